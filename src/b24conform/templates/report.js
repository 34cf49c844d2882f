function applyFilter(){
  var on={};document.querySelectorAll('.filters input').forEach(function(b){on[b.value]=b.checked;});
  document.querySelectorAll('tr.clause').forEach(function(r){
    var show=!!on[r.dataset.status];r.style.display=show?'':'none';
    var d=document.getElementById('d-'+r.dataset.id);if(d&&!show){d.classList.remove('open');}
  });
}
function openClause(id){
  var r=document.getElementById('c-'+id),d=document.getElementById('d-'+id);if(!r){return;}
  var box=document.querySelector(".filters input[value='"+r.dataset.status+"']");
  if(box&&!box.checked){box.checked=true;applyFilter();}
  d.classList.add('open');document.querySelectorAll('tr.clause.hl').forEach(function(x){x.classList.remove('hl');});
  r.classList.add('hl');
}
document.addEventListener('DOMContentLoaded',function(){
  document.querySelectorAll('.filters input').forEach(function(b){b.addEventListener('change',applyFilter);});
  document.querySelectorAll('tr.clause').forEach(function(r){
    r.addEventListener('click',function(e){if(e.target.tagName!=='A'){document.getElementById('d-'+r.dataset.id).classList.toggle('open');}});
  });
  document.querySelectorAll('a.cl').forEach(function(a){
    a.addEventListener('click',function(){openClause(a.dataset.clause);});
  });
  applyFilter();
  if(location.hash.indexOf('#c-')===0){openClause(location.hash.slice(3));}
});
