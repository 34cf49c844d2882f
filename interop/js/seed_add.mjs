// The seed page's JavaScript example for crm.activity.add, run through @bitrix24/b24jssdk (B24Hook)
// exactly as a user would: the client code is the seed's; only the webhook URL (B24_WEBHOOK_URL) and
// the CA bundle (NODE_EXTRA_CA_CERTS, read by node itself) come from the environment.
//
// Prints one line `B24CONFORM_RESULT {json}` with what the SDK handed back, so that the pytest
// wrapper (tests/test_interop_b24jssdk.py) can check it and read the activity back itself.
import { B24Hook } from '@bitrix24/b24jssdk'

const MARK = 'B24CONFORM_RESULT '

function report(payload) {
  process.stdout.write(MARK + JSON.stringify(payload) + '\n')
}

const webhookUrl = process.env.B24_WEBHOOK_URL
if (!webhookUrl) {
  report({ ok: false, stage: 'config', error: 'B24_WEBHOOK_URL is not set' })
  process.exit(2)
}

let $b24
try {
  $b24 = B24Hook.fromWebhookUrl(webhookUrl)
  $b24.offClientSideWarning()
} catch (error) {
  report({ ok: false, stage: 'init', error: String(error && error.message || error) })
  process.exit(3)
}

// ---- the seed's example, unchanged apart from `report(...)` next to its console output ----
let seen = { ok: false, stage: 'call' }
try
{
	const response = await $b24.callMethod(
		"crm.activity.add",
		{
			fields: {
				"OWNER_TYPE_ID": 2,
				"OWNER_ID": 102,
				"TYPE_ID": 2,
				"COMMUNICATIONS": [
					{ VALUE: "+18005551234", ENTITY_ID: 134, ENTITY_TYPE_ID: 3 }
				],
				"SUBJECT": "New call",
				"START_TIME": "2023-12-31T12:00:00+00:00", // Example date and time
				"END_TIME": "2023-12-31T12:30:00+00:00", // Example date and time
				"COMPLETED": "N",
				"PRIORITY": 3,
				"RESPONSIBLE_ID": 1,
				"DESCRIPTION": "Important call",
				"DESCRIPTION_TYPE": 3,
				"DIRECTION": 2,
				"FILES": [
					{
						fileData: [
							"example.jpg", // File name
							"base64_encoded_content_here" // File content in base64 format
						]
					}
				]
			}
		}
	);

	const result = response.getData().result;
	console.dir(result);
	seen = {
		ok: response.isSuccess,
		stage: 'done',
		result,
		time: response.getData().time,
		status: typeof response.getStatus === 'function' ? response.getStatus() : null,
	}
}
catch( error )
{
	console.error(error);
	seen = {
		ok: false,
		stage: 'call',
		error: String(error && error.message || error),
		code: error && (error.code || (error.answerError && error.answerError.error)) || null,
		status: error && (error.status ?? null),
	}
}
// ---- end of the seed's example ----

report(seen)
process.exit(seen.ok ? 0 : 1)
