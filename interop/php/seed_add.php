<?php
// The seed page's PHP examples (CRest::call and b24phpsdk's $b24Service->core->call) sent to a
// portal by a client that builds its requests the way those two libraries do, without the libraries
// themselves (neither is packaged for Debian, and CRest needs a settings.php per portal).
//
// Followed, not copied:
//   CRest 1.36   bitrix-tools/crest   src/crest.php       CRest::call -> callCurl: URL = client_endpoint
//                (webhook URL, or https://DOMAIN/rest/) . METHOD . '.json'; body = http_build_query(params)
//                with 'auth' added for OAuth only; POSTed with CURLOPT_POSTFIELDS as a string, so curl
//                sends application/x-www-form-urlencoded; user agent "Bitrix24 CRest PHP 1.36".
//   b24phpsdk    bitrix24/b24phpsdk   src/Core/ApiClient.php (getResponse: 'json' => $parameters, 'auth'
//                added for OAuth) and src/Core/EndpointUrlFormatter.php (method lower-cased, webhook
//                form WEBHOOK/METHOD/, OAuth form DOMAIN/rest/METHOD, plus ?bx24_request_id=...).
//                This SDK sends JSON, not a form: that is what its style below reproduces.
//
// Configuration (environment only, so the test never puts a secret on a command line):
//   B24_WEBHOOK_URL   https://HOST:PORT/rest/USER/CODE/        (webhook), or
//   B24_REST_URL      https://HOST:PORT/rest/ + B24_ACCESS_TOKEN (OAuth, 'auth' in the body)
//   B24_CA_FILE       PEM file trusted for TLS (CURLOPT_CAINFO); peer and host are always verified
//   B24_STYLE         crest (default) | b24phpsdk
// Output: one line "B24CONFORM_ADD <status> <body>" and one "B24CONFORM_GET <status> <body>", each
// body the portal's answer as received. Exit 0 only when both calls answered 200 with a result.

const CREST_VERSION = '1.36';

// The `fields` of the seed page's PHP examples (both examples pass the same array).
function seed_params(): array
{
    return [
        'fields' => [
            'OWNER_TYPE_ID' => 2,
            'OWNER_ID' => 102,
            'TYPE_ID' => 2,
            'COMMUNICATIONS' => [
                ['VALUE' => '+18005551234', 'ENTITY_ID' => 134, 'ENTITY_TYPE_ID' => 3],
            ],
            'SUBJECT' => 'New call',
            'START_TIME' => '2023-12-31T12:00:00+00:00',
            'END_TIME' => '2023-12-31T12:30:00+00:00',
            'COMPLETED' => 'N',
            'PRIORITY' => 3,
            'RESPONSIBLE_ID' => 1,
            'DESCRIPTION' => 'Important call',
            'DESCRIPTION_TYPE' => 3,
            'DIRECTION' => 2,
            'FILES' => [
                ['fileData' => ['example.jpg', 'base64_encoded_content_here']],
            ],
        ],
    ];
}

function fail(string $why): void
{
    fwrite(STDERR, $why . "\n");
    exit(2);
}

// One call; returns [HTTP status, raw body].
function call_portal(string $method, array $params): array
{
    $style = getenv('B24_STYLE') ?: 'crest';
    $hook = getenv('B24_WEBHOOK_URL') ?: '';
    $restUrl = getenv('B24_REST_URL') ?: '';
    $token = getenv('B24_ACCESS_TOKEN') ?: '';
    if ($hook === '' && ($restUrl === '' || $token === '')) {
        fail('set B24_WEBHOOK_URL, or B24_REST_URL and B24_ACCESS_TOKEN');
    }
    if ($hook === '') {
        $params['auth'] = $token; // both libraries put the OAuth token in the parameters, never in a header
    }

    $ch = curl_init();
    if ($style === 'crest') {
        // CRest's client_endpoint always ends with '/', for webhooks and for https://DOMAIN/rest/ alike.
        $endpoint = $hook !== '' ? $hook : $restUrl;
        curl_setopt($ch, CURLOPT_URL, $endpoint . $method . '.json');
        curl_setopt($ch, CURLOPT_POST, true);
        curl_setopt($ch, CURLOPT_POSTFIELDS, http_build_query($params)); // a string: curl labels it a form
        curl_setopt($ch, CURLOPT_USERAGENT, 'Bitrix24 CRest PHP ' . CREST_VERSION);
    } elseif ($style === 'b24phpsdk') {
        $requestId = bin2hex(random_bytes(16));
        $lower = strtolower($method);
        // The SDK rebuilds the OAuth base from scheme and host only; the port is kept here, or a
        // portal on a non-default port (every test portal) could not be reached at all.
        $base = $hook !== '' ? rtrim($hook, '/') . '/' . $lower . '/' : rtrim($restUrl, '/') . '/' . $lower;
        curl_setopt($ch, CURLOPT_URL, $base . '?bx24_request_id=' . $requestId);
        curl_setopt($ch, CURLOPT_POST, true);
        // Symfony HttpClient's 'json' option encodes with these flags.
        $flags = JSON_HEX_TAG | JSON_HEX_APOS | JSON_HEX_AMP | JSON_HEX_QUOT | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR;
        curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode($params, $flags));
        curl_setopt($ch, CURLOPT_HTTPHEADER, [
            'Content-Type: application/json',
            'Accept: application/json',
            'Accept-Charset: utf-8',
            'X-Request-ID: ' . $requestId,
        ]);
    } else {
        fail("unknown B24_STYLE {$style}");
    }
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, true);
    curl_setopt($ch, CURLOPT_SSL_VERIFYHOST, 2);
    $ca = getenv('B24_CA_FILE');
    if ($ca) {
        curl_setopt($ch, CURLOPT_CAINFO, $ca);
    }
    $body = curl_exec($ch);
    if ($body === false) {
        fail('curl error: ' . curl_error($ch));
    }
    $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    curl_close($ch);
    return [$status, $body];
}

[$status, $body] = call_portal('crm.activity.add', seed_params());
echo 'B24CONFORM_ADD ', $status, ' ', $body, "\n";
$added = json_decode($body, true);
if ($status !== 200 || !is_array($added) || !isset($added['result'])) {
    exit(1);
}

[$status, $body] = call_portal('crm.activity.get', ['id' => $added['result']]);
echo 'B24CONFORM_GET ', $status, ' ', $body, "\n";
$got = json_decode($body, true);
exit($status === 200 && is_array($got) && isset($got['result']) ? 0 : 1);
