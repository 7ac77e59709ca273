// 惠企 app (/app/): the enterprise owner's phone face, over the public JSON routes only (API.md). No framework: a
// hash router, a fetch wrapper that turns every failure into words a person understands, and one function per screen.
// Everything interpolated into the page goes through html`` (escaped); see docs/app.md.

import { html, raw, yuan, api, Problem, session, signIn, startOidc, config, page } from '../shared/faces.js';

const { main, show, loading, toast } = page('惠企');
const banner = document.getElementById('banner');
const tabs = document.querySelector('.tabs');
const ELDER_KEY = 'huiqi.elder';

const STATUS = { eligible: '可享', unknown: '待补充信息', ineligible: '暂不符合', excluded: '就高不重复' };
const chip = (status) => html`<span class="chip ${status}">${STATUS[status] ?? status}</span>`;
const SOURCE = { partner_feed: '部门数据', staff: '工作人员核实', self_declared: '企业自报' };
// The partner feeds of the deployment's fact owners (appsettings Huiqi:Trust:Owners); another sender shows as 部门数据.
const PARTNER = {
  'partner:market-regulation': '市场监管部门', 'partner:tax-bureau': '税务部门', 'partner:science-dept': '科技部门', 'partner:hr-social': '人社部门',
};
function sourceText(c) {
  if (!c.source) return '';
  const who = PARTNER[c.sourceBy] ?? (c.source === 'partner_feed' ? '部门数据' : '');
  return c.source === 'partner_feed' ? `来源：${who}` : `来源：${SOURCE[c.source] ?? c.source}`;
}

// ---------- sign-in ----------
let signInProblem = null;
function signInScreen(reason) {
  tabs.hidden = true;
  show(html`
    <h1>登录惠企</h1>
    ${reason ?? signInProblem ? html`<p class="note" role="alert">${reason ?? signInProblem}</p>` : ''}
    <div class="card">
      <p>惠企帮您找到本企业可享受的惠企政策，符合条件的资金免申即享。</p>
      ${config.authority ? html`<p>请使用政务服务统一身份认证登录。</p><div class="actions"><button type="button" id="sign-in">登录</button></div>` : ''}
      ${config.devSignIn ? html`<p class="muted">演示环境：在地址后加上 <code>?dev-uscc=统一社会信用代码</code> 可直接进入。</p>` : ''}
      ${!config.authority && !config.devSignIn ? html`<p class="muted">本站尚未配置统一身份认证，请联系管理员。</p>` : ''}
    </div>`, '登录');
  main.querySelector('#sign-in')?.addEventListener('click', () => startOidc().catch(() => signInScreen('暂时无法连接统一身份认证，请稍后再试。')));
}

// ---------- screens ----------
async function home() {
  const h = await api('/v1/home');
  setUnread(h.unreadCount);
  const e = h.enterprise;
  show(html`
    <h1>${e.name ?? e.uscc}</h1>
    <p class="muted">${[e.regionName, e.industryName].filter(Boolean).join(' · ')}</p>
    <section class="card hero" aria-labelledby="total-label">
      <div id="total-label">可享政策资金合计</div>
      <div class="big">${h.eligibleTotalText}</div>
      <div>截至 ${h.asOf}，无需申请，符合条件即可享受</div>
    </section>
    <div class="stats">
      <a href="#/eligibility?status=eligible"><strong>${h.eligibleCount}</strong>项可享</a>
      <a href="#/eligibility?status=unknown"><strong>${h.needsInfoCount}</strong>项待补充</a>
      <a href="#/messages"><strong>${h.unreadCount}</strong>条未读</a>
    </div>
    <h2>为您推荐</h2>
    ${h.topPolicies.length ? html`<ul class="list">${h.topPolicies.map(answerItem)}</ul>` : html`<p class="empty">暂时没有可推荐的政策。</p>`}
    <div class="actions">
      <a class="button secondary" href="#/calculator">政策计算器</a>
      <a class="button secondary" href="#/search">搜索政策</a>
    </div>`, '首页');
}

function answerItem(a) {
  return html`<li><a class="item" href="#/policy/${encodeURIComponent(a.policyId)}">
    <span class="title">${a.title}</span>
    <span class="row"><span>${chip(a.status)}${a.basis === 'self_declared' ? html` <span class="chip claim">待核验</span>` : ''}</span>
      <span class="amount">${a.amountText ?? ''}</span></span>
    ${a.status === 'unknown' ? html`<span class="meta">还需：${a.missingFields.map(label).join('、')}</span>` : ''}
  </a></li>`;
}

let fieldCatalog;
async function fields() {
  fieldCatalog ??= await api('/v1/fields');
  return fieldCatalog;
}
const label = (name) => fieldCatalog?.items.find((f) => f.name === name)?.label ?? name;

async function eligibility(query) {
  await fields();
  const status = query.get('status') ?? 'all';
  const list = await api('/v1/me/eligibility?limit=100');
  const items = list.items.filter((a) => status === 'all' || a.status === status);
  const filter = (value, text) => html`<button type="button" aria-pressed="${String(status === value)}" data-status="${value}">${text}</button>`;
  show(html`
    <h1>可享政策</h1>
    <p>合计可享 <span class="amount">${list.eligibleTotalText}</span></p>
    <div class="filters" role="group" aria-label="按状态筛选">
      ${filter('all', '全部')}${filter('eligible', '可享')}${filter('unknown', '待补充信息')}${filter('excluded', '就高不重复')}${filter('ineligible', '暂不符合')}
    </div>
    ${items.length ? html`<ul class="list">${items.map(answerItem)}</ul>` : html`<p class="empty">这一类暂时没有政策。</p>`}`, '可享政策');
  main.querySelectorAll('[data-status]').forEach((b) => b.addEventListener('click', () => {
    location.hash = b.dataset.status === 'all' ? '#/eligibility' : `#/eligibility?status=${b.dataset.status}`;
  }));
}

async function policy(id) {
  await fields();
  const [answer, detail] = await Promise.all([api(`/v1/me/eligibility/${encodeURIComponent(id)}`), api(`/v1/policies/${encodeURIComponent(id)}`)]);
  show(html`
    <h1>${answer.title}</h1>
    <p>${chip(answer.status)} ${answer.amountText ? html`<span class="amount">${answer.amountText}</span>` : ''}</p>
    ${answer.status === 'excluded' ? html`<p class="note">与同类政策就高不重复：已按金额更高的一项享受。</p>` : ''}
    ${answer.basis === 'self_declared' ? html`<p class="note">${answer.basisText ?? '依据企业自报信息，待核验'}。核验通过后方可拨付。</p>` : ''}
    ${answer.status === 'unknown' ? html`<div class="card"><p>还需要您补充：<strong>${answer.missingFields.map(label).join('、')}</strong>。补充后立即重新判断。</p>
      <a class="button" href="#/fill/${encodeURIComponent(id)}">补充信息</a></div>` : ''}
    <section class="card" aria-labelledby="why">
      <h2 id="why">逐条说明</h2>
      <ol class="conditions">${answer.conditions.map(conditionItem)}</ol>
    </section>
    <section class="card" aria-labelledby="clauses">
      <h2 id="clauses">政策原文</h2>
      <p class="muted">${detail.issuer ?? ''}${detail.effectiveFrom ? ` · ${detail.effectiveFrom} 至 ${detail.effectiveTo ?? '长期'}` : ''}</p>
      ${detail.summary ? html`<p>${detail.summary}</p>` : ''}
      ${(detail.clauses ?? []).map((c) => html`<p>${c}</p>`)}
    </section>`, answer.title);
}

// A leaf under an odd number of `not`s is an exclusion: the policy needs it NOT to hold. Its sentence describes the
// leaf (ELIGIBILITY.md §5.3); the mark shows what it means for the policy, and a note says it is an exclusion.
function conditionItem(c) {
  const negated = ((c.path ?? '').match(/\.not\b/g) ?? []).length % 2 === 1;
  const effect = negated ? ({ true: 'false', false: 'true' })[c.result] ?? c.result : c.result;
  const word = { true: '符合', false: '不符合', unknown: '待补充' }[effect];
  return html`<li>
    <span class="mark ${effect}" aria-hidden="true">${effect === 'true' ? '✓' : effect === 'false' ? '✗' : '?'}</span>
    <span>${negated ? html`<strong>排除情形：</strong>` : ''}${c.text}
      ${negated ? html`<span class="source">属于此情形的企业不能享受${effect === 'true' ? '，本企业不属于此情形' : ''}</span>` : ''}
      <span class="source">${sourceText(c)}</span><span class="sr-only">（本条${word}）</span></span></li>`;
}

// 补充信息: exactly the missing fields, typed inputs, errors placed by field from the problem's `errors`.
function input(f, value) {
  const id = `f-${f.name}`;
  const described = `${id}-error`;
  const common = `id="${id}" name="${f.member}" aria-describedby="${described}"`;
  let control;
  switch (f.type) {
    case 'integer':
      control = html`<label for="${id}">${f.label}（人数/个数）</label><input ${raw(common)} type="number" inputmode="numeric" min="0" step="1" value="${value ?? ''}">`;
      break;
    case 'money':
      control = html`<label for="${id}">${f.label}（万元）</label><input ${raw(common)} type="number" inputmode="decimal" min="0" step="0.01" value="${value == null ? '' : value / 1000000}">
        <p class="hint">以万元填写，例如 200 表示 200万元。</p>`;
      break;
    case 'date':
      control = html`<label for="${id}">${f.label}</label><input ${raw(common)} type="date" value="${value ?? ''}">`;
      break;
    case 'bool':
      control = html`<fieldset aria-describedby="${described}"><legend>${f.label}</legend>
        <label class="choice"><input type="radio" name="${f.member}" value="true"${value === true ? raw(' checked') : ''}> 是</label>
        <label class="choice"><input type="radio" name="${f.member}" value="false"${value === false ? raw(' checked') : ''}> 否</label></fieldset>`;
      break;
    case 'set':
      control = f.values
        ? html`<fieldset aria-describedby="${described}"><legend>${f.label}（可多选）</legend>${f.values.map((v) => html`<label class="choice">
            <input type="checkbox" name="${f.member}" value="${v.code}"${(value ?? []).includes(v.code) ? raw(' checked') : ''}> ${v.name}</label>`)}</fieldset>`
        : html`<label for="${id}">${f.label}（多个用顿号分隔）</label><input ${raw(common)} type="text" value="${(value ?? []).join('、')}">`;
      break;
    case 'certifications':
      control = html`<fieldset aria-describedby="${described}"><legend>${f.label}</legend>
        <label for="${id}-kind">认定类型</label><select id="${id}-kind" name="certKind"><option value="">（没有任何认定）</option>
          ${fieldCatalog.certificationKinds.map((k) => html`<option value="${k.code}">${k.name}</option>`)}</select>
        <label for="${id}-level">级别</label><select id="${id}-level" name="certLevel"><option value="">（不区分）</option>
          ${fieldCatalog.certificationLevels.map((k) => html`<option value="${k.code}">${k.name}</option>`)}</select>
        <label for="${id}-on">认定日期</label><input id="${id}-on" name="certOn" type="date"></fieldset>`;
      break;
    default:
      control = f.values
        ? html`<label for="${id}">${f.label}</label><select ${raw(common)}><option value="">请选择</option>${f.values.map((v) => html`<option value="${v.code}"${v.code === value ? raw(' selected') : ''}>${v.name}</option>`)}</select>`
        : html`<label for="${id}">${f.label}</label><input ${raw(common)} type="text" value="${value ?? ''}">`;
  }
  return html`<div class="field" data-member="${f.member}">${control}<p class="error" id="${described}"></p></div>`;
}

function readForm(form, list) {
  const body = {};
  for (const f of list) {
    const el = form.elements[f.member];
    switch (f.type) {
      case 'integer': if (el.value !== '') body[f.member] = Number(el.value); break;
      case 'money': if (el.value !== '') body[f.member] = Math.round(Number(el.value) * 1000000); break;
      case 'bool': { const c = form.querySelector(`input[name="${f.member}"]:checked`); if (c) body[f.member] = c.value === 'true'; break; }
      case 'set':
        body[f.member] = f.values ? [...form.querySelectorAll(`input[name="${f.member}"]:checked`)].map((c) => c.value)
          : el.value.split(/[、,，\s]+/).filter(Boolean);
        break;
      case 'certifications': {
        const kind = form.elements.certKind.value;
        body[f.member] = kind ? [{ kind, level: form.elements.certLevel.value || null, obtainedOn: form.elements.certOn.value }] : [];
        break;
      }
      default: if (el.value !== '') body[f.member] = el.value;
    }
  }
  return body;
}

function placeErrors(form, problem) {
  form.querySelectorAll('.error').forEach((p) => { p.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  let first;
  const general = [];
  for (const e of problem.errors) {
    const member = String(e.field ?? '').split(/[.[]/)[0];
    const box = form.querySelector(`.field[data-member="${CSS.escape(member)}"]`);
    if (!box) { general.push(e.message); continue; }
    box.querySelector('.error').textContent = e.message;
    const control = box.querySelector('input, select');
    control?.setAttribute('aria-invalid', 'true');
    first ??= control;
  }
  const summary = form.querySelector('.form-error');
  summary.textContent = general.length || !problem.errors.length ? (general.join('；') || problem.message) : '请按提示修改后再提交。';
  (first ?? summary).focus();
}

async function fill(id) {
  await fields();
  const [answer, me] = await Promise.all([api(`/v1/me/eligibility/${encodeURIComponent(id)}`), api('/v1/me')]);
  const wanted = [...new Set([...(answer.missingFields ?? []), ...(answer.amountMissingFields ?? [])])];
  const list = fieldCatalog.items.filter((f) => wanted.includes(f.name));
  if (!list.length) {
    show(html`<h1>补充信息</h1><p class="ok">这项政策不缺信息了。</p><a class="button" href="#/policy/${encodeURIComponent(id)}">返回政策</a>`, '补充信息');
    return;
  }
  show(html`
    <h1>补充信息</h1>
    <p>为判断“${answer.title}”，请补充以下信息。您填写的内容记为企业自报，涉及资金的须经主管部门核验。</p>
    <form class="card" novalidate>
      ${list.map((f) => input(f, me[f.member]))}
      <p class="error form-error" role="alert" tabindex="-1"></p>
      <div class="actions"><button type="submit">提交并重新判断</button><a class="button secondary" href="#/policy/${encodeURIComponent(id)}">取消</a></div>
    </form>`, '补充信息');
  const form = main.querySelector('form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      await api('/v1/me', { method: 'PATCH', body: readForm(form, list) });
      const now = await api(`/v1/me/eligibility/${encodeURIComponent(id)}`);
      toast(`已保存。“${now.title}”现在：${STATUS[now.status]}${now.amountText ? ` ${now.amountText}` : ''}`);
      location.hash = `#/policy/${encodeURIComponent(id)}`;
    } catch (problem) {
      if (problem.status === 400) placeErrors(form, problem); else failed(problem);
    } finally {
      button.disabled = false;
    }
  });
}

// 政策计算器: try values without saving them.
const CALC_FIELDS = ['employees', 'annual_revenue', 'rd_expense', 'scale', 'tax_credit'];
async function calculator() {
  await fields();
  const [me, current] = await Promise.all([api('/v1/me'), api('/v1/me/eligibility?limit=100')]);
  const list = fieldCatalog.items.filter((f) => CALC_FIELDS.includes(f.name));
  show(html`
    <h1>政策计算器</h1>
    <p>改一改下面的数字，看看可享政策会怎样变化。<strong>试算结果不会保存</strong>，也不会触发任何申请。</p>
    <form class="card" novalidate>
      ${list.map((f) => input(f, me[f.member]))}
      <p class="error form-error" role="alert" tabindex="-1"></p>
      <div class="actions"><button type="submit">试算</button></div>
    </form>
    <section id="result" aria-live="polite"></section>`, '政策计算器');
  const form = main.querySelector('form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const body = readForm(form, list);
      const result = await api('/v1/me/eligibility/what-if?limit=100', { method: 'POST', body });
      const before = new Map(current.items.map((a) => [a.policyId, a]));
      const changed = result.items.filter((a) => {
        const b = before.get(a.policyId);
        return !b || b.status !== a.status || b.amountFen !== a.amountFen;
      });
      const diff = result.eligibleTotalFen - current.eligibleTotalFen;
      main.querySelector('#result').innerHTML = html`
        <div class="card">
          <h2>试算结果</h2>
          <p>可享合计 <span class="amount">${result.eligibleTotalText}</span>（现在 ${current.eligibleTotalText}，
            <span class="${diff >= 0 ? 'diff-up' : 'diff-down'}">${diff >= 0 ? '增加' : '减少'} ${yuan(Math.abs(diff))}</span>）</p>
          ${changed.length ? html`<ul class="list">${changed.map((a) => {
            const b = before.get(a.policyId);
            return html`<li class="item"><span class="title">${a.title}</span>
              <span class="meta">现在：${STATUS[b?.status] ?? '—'} ${b?.amountText ?? ''} → 试算：</span> ${chip(a.status)} <span class="amount">${a.amountText ?? ''}</span></li>`;
          })}</ul>` : html`<p class="muted">这些数值下，各项政策的结果不变。</p>`}
        </div>`.s;
      main.querySelector('#result h2').focus?.();
    } catch (problem) {
      if (problem.status === 400) placeErrors(form, problem); else failed(problem);
    }
  });
}

// 资金进度: 待核验 → 公示 → 确认 → 批准 → 拨付, confirm with an account or object with a reason.
const STEPS = ['待核验', '公示', '确认', '批准', '拨付'];
const STEP_OF = { awaiting_verification: 0, matched: 1, publicized: 1, confirmed: 2, objected: 2, approved: 3, disbursed: 4, revoked: -1 };
const ENTITLEMENT_STATUS = {
  awaiting_verification: '待主管部门核验', matched: '待公示', publicized: '公示中', confirmed: '已确认', objected: '已提出异议',
  approved: '已批准', disbursed: '已拨付', revoked: '已撤销',
};
async function entitlements() {
  const list = await api('/v1/me/entitlements');
  show(html`
    <h1>资金进度</h1>
    ${list.items.length ? html`<ul class="list">${list.items.map(entitlementCard)}</ul>`
      : html`<p class="empty">还没有进入兑现流程的政策资金。符合条件后，这里会自动出现，无需申请。</p>`}`, '资金进度');
  main.querySelectorAll('form[data-id]').forEach((form) => form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const id = form.dataset.id;
    const action = event.submitter?.value;
    try {
      if (action === 'object') {
        const reason = form.elements.reason.value.trim();
        if (!reason) { form.querySelector('.error').textContent = '请写明异议理由。'; form.elements.reason.focus(); return; }
        await api(`/v1/me/entitlements/${encodeURIComponent(id)}/object`, { method: 'POST', body: { reason } });
        toast('异议已提交，主管部门会处理并通知您。');
      } else {
        const account = form.elements.account.value.trim();
        await api(`/v1/me/entitlements/${encodeURIComponent(id)}/confirm`, { method: 'POST', body: account ? { receivingAccount: account } : {} });
        toast('已确认，等待主管部门批准拨付。');
      }
      await entitlements();
    } catch (problem) {
      if (problem.status === 400) form.querySelector('.error').textContent = problem.errors.map((e) => e.message).join('；') || problem.message;
      else failed(problem);
    }
  }));
}
function entitlementCard(e) {
  const step = STEP_OF[e.status] ?? 0;
  const answerable = e.status === 'matched' || e.status === 'publicized';
  return html`<li class="card">
    <div class="row"><strong>${e.policyTitle}</strong><span class="amount">${e.approvedAmountText ?? e.amountText ?? ''}</span></div>
    <div class="muted">${ENTITLEMENT_STATUS[e.status] ?? e.status}${e.publicityEndsOn && e.status === 'publicized' ? `，公示至 ${e.publicityEndsOn}` : ''}</div>
    ${step >= 0 ? html`<ol class="timeline" aria-label="办理进度">${STEPS.map((s, i) => html`<li class="${i < step ? 'done' : i === step ? 'current' : ''}"${i === step ? raw(' aria-current="step"') : ''}>${s}</li>`)}</ol>` : ''}
    ${e.basis === 'self_declared' ? html`<p class="note">${e.basisText ?? '依据自报信息，待核验'}</p>` : ''}
    ${e.objectionReason ? html`<p class="muted">异议：${e.objectionReason}${e.resolution ? `；处理：${e.resolution}` : ''}</p>` : ''}
    ${e.paymentReference ? html`<p class="ok">已拨付，凭证号 ${e.paymentReference}</p>` : ''}
    ${answerable ? html`<form data-id="${e.id}" novalidate>
      <div class="field"><label for="acct-${e.id}">收款账户（选填）</label><input id="acct-${e.id}" name="account" type="text" inputmode="numeric" autocomplete="off"></div>
      <div class="field"><label for="reason-${e.id}">异议理由（提出异议时填写）</label><textarea id="reason-${e.id}" name="reason" rows="2"></textarea></div>
      <p class="error" role="alert"></p>
      <div class="actions"><button type="submit" value="confirm">确认无误</button><button type="submit" value="object" class="danger">提出异议</button></div>
    </form>` : ''}
  </li>`;
}

// 消息: the inbox, and new ones live over the stream.
async function messages() {
  const list = await api('/v1/me/notifications');
  show(html`
    <h1>消息</h1>
    <ul class="list" id="inbox">${list.items.map(messageItem)}</ul>
    ${list.items.length ? '' : html`<p class="empty" id="no-messages">暂无消息。</p>`}`, '消息');
  const unread = list.items.filter((n) => !n.read).map((n) => n.id);
  if (unread.length) {
    await api('/v1/me/notifications/read', { method: 'POST', body: { ids: unread } });
  }
  setUnread(0);
}
function messageItem(n) {
  return html`<li class="item${n.read ? '' : ' unread'}">
    <span class="title">${n.title}</span><span>${n.body}</span>
    <span class="meta">${n.createdAt ? new Date(n.createdAt).toLocaleString('zh-CN') : ''}${n.read ? '' : ' · 未读'}</span>
    ${n.policyId ? html`<a href="#/policy/${encodeURIComponent(n.policyId)}">查看政策</a>` : ''}</li>`;
}
function setUnread(count) {
  const badge = document.getElementById('unread');
  badge.hidden = !count;
  badge.textContent = count > 99 ? '99+' : String(count);
  badge.setAttribute('aria-label', `${count} 条未读`);
}

// Server-sent events over fetch (EventSource cannot send the bearer token): reconnects with a growing pause.
let streamStarted = false;
async function stream() {
  if (streamStarted) return;
  streamStarted = true;
  let pause = 1000;
  while (session.token) {
    try {
      const response = await fetch('/v1/me/notifications/stream', { headers: { accept: 'text/event-stream', authorization: `Bearer ${session.token}` } });
      if (response.status === 401) { session.clear(); break; }
      if (!response.ok || !response.body) throw new Error(String(response.status));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (type === 'ready') { pause = 1000; document.documentElement.dataset.live = 'on'; }
          if (type === 'notification' && data) onNotification(JSON.parse(data).notification);
          if (type === 'expired') session.clear();
        }
      }
    } catch {
      // offline or the server went away: try again below
    }
    document.documentElement.dataset.live = 'off';
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 30000);
  }
  streamStarted = false;
}
function onNotification(n) {
  if (!n) return;
  toast(`新消息：${n.title}`);
  const inbox = document.getElementById('inbox');
  if (inbox) {
    document.getElementById('no-messages')?.remove();
    inbox.insertAdjacentHTML('afterbegin', messageItem(n).s);
  } else {
    const badge = document.getElementById('unread');
    setUnread((Number(badge.textContent) || 0) + 1);
  }
}

// 搜索政策
async function search(query) {
  const q = query.get('q') ?? '';
  const found = q ? await api(`/v1/policies?q=${encodeURIComponent(q)}&limit=50`) : null;
  show(html`
    <h1>搜索政策</h1>
    <form role="search" class="card" id="search-form">
      <label for="q">关键词</label>
      <input id="q" name="q" type="search" value="${q}" placeholder="例如：研发、专精特新、稳岗">
      <div class="actions"><button type="submit">搜索</button></div>
    </form>
    ${found ? (found.items.length ? html`<ul class="list">${found.items.map((p) => html`<li><a class="item" href="#/policy/${encodeURIComponent(p.id)}">
        <span class="title">${p.title}</span><span class="meta">${p.issuer ?? ''}</span><span>${p.summary ?? ''}</span></a></li>`)}</ul>`
      : html`<p class="empty">没有找到与“${q}”有关的政策。</p>`) : ''}`, '搜索政策');
  main.querySelector('#search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/search?q=${encodeURIComponent(main.querySelector('#q').value.trim())}`;
  });
}

// ---------- router ----------
const routes = [
  [/^\/$/, home, 'home'],
  [/^\/eligibility$/, eligibility, 'eligibility'],
  [/^\/policy\/([^/]+)$/, (q, id) => policy(decodeURIComponent(id)), 'eligibility'],
  [/^\/fill\/([^/]+)$/, (q, id) => fill(decodeURIComponent(id)), 'eligibility'],
  [/^\/calculator$/, calculator, 'home'],
  [/^\/entitlements$/, entitlements, 'entitlements'],
  [/^\/messages$/, messages, 'messages'],
  [/^\/search$/, search, 'home'],
];
let showingFailure = false; // the screen is 出错了: coming back online retries it by itself
function failed(problem) {
  if (problem.status === 401) { signInScreen(problem.message); return; }
  showingFailure = true;
  if (problem.offline) {
    banner.hidden = false;
    banner.innerHTML = html`<span>${problem.message}</span><button type="button" id="retry">重试</button>`.s;
    banner.querySelector('#retry').addEventListener('click', () => { banner.hidden = true; route(); });
  }
  show(html`<h1>出错了</h1><p class="note" role="alert">${problem.message}</p>
    <div class="actions"><button type="button" id="again">重试</button><a class="button secondary" href="#/">回到首页</a></div>`, '出错了');
  main.querySelector('#again').addEventListener('click', route);
}
async function route() {
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  const match = routes.find(([re]) => re.test(path || '/')) ?? routes[0];
  const args = (path || '/').match(match[0])?.slice(1) ?? [];
  tabs.hidden = false;
  tabs.querySelectorAll('a').forEach((a) => (a.dataset.tab === match[2] ? a.setAttribute('aria-current', 'page') : a.removeAttribute('aria-current')));
  loading();
  try {
    await match[1](new URLSearchParams(search), ...args);
    banner.hidden = true;
    showingFailure = false;
  } catch (problem) {
    failed(problem instanceof Problem ? problem : new Problem(0, { detail: '页面出错了，请重试。' }));
  }
}

// ---------- start ----------
function elder(on) {
  document.documentElement.classList.toggle('elder', on);
  const button = document.getElementById('elder');
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? '标准版' : '长辈版';
  localStorage.setItem(ELDER_KEY, on ? '1' : '0');
}
elder(localStorage.getItem(ELDER_KEY) === '1');
document.getElementById('elder').addEventListener('click', () => elder(!document.documentElement.classList.contains('elder')));
window.addEventListener('online', () => {
  banner.hidden = true;
  if (showingFailure) route(); // a screen that failed offline is fetched again; one being filled in is left alone
});
window.addEventListener('offline', () => {
  banner.hidden = false;
  banner.innerHTML = html`<span>网络已断开，恢复后请点重试。</span><button type="button" id="retry">重试</button>`.s;
  banner.querySelector('#retry').addEventListener('click', () => { banner.hidden = true; route(); });
});
window.addEventListener('hashchange', route);
const started = await signIn((params) => (params.get('dev-uscc') ? { role: 'enterprise', uscc: params.get('dev-uscc') } : null));
signInProblem = started.problem;
if (started.signedIn) {
  route();
  stream();
} else {
  signInScreen();
}
