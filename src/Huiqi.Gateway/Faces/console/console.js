// 政策工作台 (/console/): the policy officer's face over the public JSON routes (API.md). Draft a policy from text with
// live reading, see the 政策沙盘 (dry run) redraw as it changes, check it, compare it with the version in force, publish;
// verify claims, approve within budget, pay from a file. Charts are plain SVG with their numbers written beside them.

import { html, raw, yuan, api, Problem, signIn, startOidc, config, page } from '../shared/faces.js';

const { main, show, loading, toast } = page('惠企政策工作台');
const side = document.querySelector('.side');
const STATUS = { eligible: '符合', unknown: '待补充信息', ineligible: '不符合', excluded: '就高不重复' };
const wan = (yuanText) => (yuanText === '' || yuanText == null ? null : Math.round(Number(yuanText) * 1000000));

// ---------- charts: horizontal bars, each with its label and number ----------
function bars(rows, { max, unit = (v) => String(v), budget } = {}) {
  const top = Math.max(max ?? 0, ...rows.map((r) => r.value), budget ?? 0, 1);
  const height = rows.length * 30 + 10;
  const scale = (v) => Math.round((v / top) * 300);
  return html`<svg viewBox="0 0 560 ${height}" width="100%" role="img" aria-label="${rows.map((r) => `${r.label} ${unit(r.value)}`).join('，')}">
    ${rows.map((r, i) => html`<g transform="translate(0, ${i * 30 + 5})">
      <text x="0" y="17">${r.label}</text>
      <rect x="150" y="4" width="${Math.max(scale(r.value), 1)}" height="18" class="${r.css ?? 'bar-eligible'}"></rect>
      <text x="${158 + scale(r.value)}" y="17">${unit(r.value)}</text></g>`)}
    ${budget ? html`<line x1="${150 + scale(budget)}" x2="${150 + scale(budget)}" y1="0" y2="${height}" class="bar-budget"></line>` : ''}
  </svg>`;
}

// ---------- policies ----------
async function policies(query) {
  const q = query.get('q') ?? '';
  const list = await api(`/v1/policies?limit=200${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  show(html`
    <h1>政策</h1>
    <form class="card row" role="search" id="search"><div><label for="q">搜索政策</label><input id="q" type="search" value="${q}"></div>
      <div class="actions" style="align-self:end"><button type="submit">搜索</button><a href="#/edit">新建政策</a></div></form>
    <div class="card"><table><caption class="sr-only">执行中的政策</caption>
      <thead><tr><th scope="col">政策</th><th scope="col">发布机关</th><th scope="col">执行期</th><th scope="col">操作</th></tr></thead>
      <tbody>${list.items.map((p) => html`<tr><td><a href="#/edit/${encodeURIComponent(p.id)}">${p.title}</a><div class="muted">${p.id}</div></td>
        <td>${p.issuer ?? ''}</td><td>${p.effectiveFrom ?? ''} 至 ${p.effectiveTo ?? '长期'}</td>
        <td><a href="#/edit/${encodeURIComponent(p.id)}">编辑新版本</a></td></tr>`)}</tbody></table>
      ${list.items.length ? '' : html`<p class="muted">没有找到政策。</p>`}</div>`, '政策');
  main.querySelector('#search').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/?q=${encodeURIComponent(main.querySelector('#q').value.trim())}`;
  });
}

// ---------- the editor and its 政策沙盘 ----------
const EMPTY = { id: '', title: '', issuer: '', jurisdiction: '620100', effectiveFrom: '', effectiveTo: '', summary: '', clauses: [],
  criteriaText: 'region under 620100 and employees >= 10', benefit: { fixedFen: 1000000 }, exclusionGroup: '', budgetFen: null, examples: [] };

async function edit(id) {
  const existing = id ? await api(`/v1/policies/${encodeURIComponent(id)}`) : null;
  const p = existing ?? EMPTY;
  const benefit = p.benefit ?? {};
  const kind = benefit.rate ? 'rate' : benefit.tiers ? 'tiers' : 'fixed';
  show(html`
    <h1>${existing ? `编辑：${existing.title}` : '新建政策'}</h1>
    <div class="grid">
      <form class="card" id="editor" novalidate>
        <div class="row">
          <div><label for="f-id">政策编号</label><input id="f-id" type="text" value="${p.id}" ${existing ? raw('readonly') : ''} placeholder="例如 lz-rd-2027"></div>
          <div><label for="f-jurisdiction">管辖区划</label><input id="f-jurisdiction" type="text" value="${p.jurisdiction}" inputmode="numeric"></div>
        </div>
        <label for="f-title">政策名称</label><input id="f-title" type="text" value="${p.title}">
        <label for="f-issuer">发布机关</label><input id="f-issuer" type="text" value="${p.issuer}">
        <div class="row">
          <div><label for="f-from">执行起始</label><input id="f-from" type="date" value="${p.effectiveFrom ?? ''}"></div>
          <div><label for="f-to">执行截止</label><input id="f-to" type="date" value="${p.effectiveTo ?? ''}"></div>
        </div>
        <label for="f-criteria">条件（文本形式）</label>
        <textarea id="f-criteria" class="code" aria-describedby="criteria-status" spellcheck="false">${p.criteriaText}</textarea>
        <p id="criteria-status" class="hint" aria-live="polite"></p>
        <label for="f-kind">金额规则</label>
        <select id="f-kind">
          <option value="fixed"${kind === 'fixed' ? raw(' selected') : ''}>定额：每户相同金额</option>
          <option value="rate"${kind === 'rate' ? raw(' selected') : ''}>按比例：按营业收入或研发费用的一定比例，可设上限</option>
          <option value="tiers"${kind === 'tiers' ? raw(' selected') : ''}>阶梯：按某项数值分档</option>
        </select>
        <div class="row" data-kind="fixed"${kind === 'fixed' ? '' : raw(' hidden')}>
          <div><label for="f-amount">每户金额（万元，定额）</label><input id="f-amount" type="number" step="0.01" min="0" value="${benefit.fixedFen != null ? benefit.fixedFen / 1000000 : ''}"></div>
        </div>
        <div class="row" data-kind="rate"${kind === 'rate' ? '' : raw(' hidden')}>
          <div><label for="f-rate-field">按哪项计算</label><select id="f-rate-field">
            ${[['annual_revenue', '营业收入'], ['rd_expense', '研发费用']].map(([v, l]) => html`<option value="${v}"${benefit.rate?.field === v ? raw(' selected') : ''}>${l}</option>`)}</select></div>
          <div><label for="f-rate">比例（%）</label><input id="f-rate" type="number" step="0.01" min="0" value="${benefit.rate ? benefit.rate.bp / 100 : ''}"></div>
          <div><label for="f-cap">上限（万元，选填）</label><input id="f-cap" type="number" step="0.01" min="0" value="${benefit.rate?.capFen != null ? benefit.rate.capFen / 1000000 : ''}"></div>
        </div>
        <div data-kind="tiers"${kind === 'tiers' ? '' : raw(' hidden')}>
          <label for="f-tiers">阶梯（JSON：field 与 steps，金额单位为分）</label>
          <textarea id="f-tiers" class="code" spellcheck="false">${JSON.stringify(benefit.tiers ?? { field: 'employees', steps: [{ atLeast: 10, amountFen: 1000000 }] }, null, 1)}</textarea>
        </div>
        <div class="row">
          <div><label for="f-budget">预算（万元，选填）</label><input id="f-budget" type="number" step="0.01" min="0" value="${p.budgetFen != null ? p.budgetFen / 1000000 : ''}"></div>
        </div>
        <label for="f-group">就高不重复分组（选填）</label><input id="f-group" type="text" value="${p.exclusionGroup ?? ''}">
        <label for="f-summary">摘要</label><textarea id="f-summary" rows="2">${p.summary ?? ''}</textarea>
        <label for="f-examples">样例（JSON，发布时逐一验证）</label><textarea id="f-examples" class="code" spellcheck="false">${JSON.stringify(p.examples ?? [], null, 1)}</textarea>
        <p class="error" id="form-error" role="alert"></p>
        <div class="actions">
          <button type="button" id="check" class="secondary">发布前检查</button>
          ${existing?.status === 'published' ? html`<button type="button" id="compare" class="secondary">与现行版本比较</button>` : ''}
          <button type="button" id="save" class="secondary">保存草稿</button>
          <button type="button" id="publish">发布</button>
        </div>
      </form>
      <div>
        <section class="card" aria-labelledby="sandbox-title"><h2 id="sandbox-title">政策沙盘</h2><div id="sandbox" aria-live="polite"><p class="muted">输入条件后自动试算。</p></div></section>
        <section class="card" aria-labelledby="review-title"><h2 id="review-title">检查与比较</h2><div id="review" aria-live="polite"><p class="muted">点“发布前检查”或“与现行版本比较”。</p></div></section>
      </div>
    </div>`, existing ? `编辑：${existing.title}` : '新建政策');

  const form = main.querySelector('#editor');
  const $ = (s) => form.querySelector(s);
  let criteria = existing?.criteria ?? null;
  $('#f-kind').addEventListener('change', () => form.querySelectorAll('[data-kind]').forEach((el) => { el.hidden = el.dataset.kind !== $('#f-kind').value; }));
  const benefitOf = () => {
    switch ($('#f-kind').value) {
      case 'rate': {
        const rate = { field: $('#f-rate-field').value, bp: Math.round(Number($('#f-rate').value || 0) * 100) };
        if ($('#f-cap').value) rate.capFen = wan($('#f-cap').value);
        return { rate };
      }
      case 'tiers':
        try { return { tiers: JSON.parse($('#f-tiers').value) }; } catch { throw new Problem(400, { detail: '阶梯不是有效的 JSON。' }); }
      default:
        return { fixedFen: wan($('#f-amount').value) ?? 0 };
    }
  };
  const document_ = () => {
    const body = {
      id: $('#f-id').value.trim() || undefined, title: $('#f-title').value.trim(), issuer: $('#f-issuer').value.trim(),
      jurisdiction: $('#f-jurisdiction').value.trim(), summary: $('#f-summary').value.trim(), clauses: existing?.clauses ?? [],
      criteria, benefit: benefitOf(),
    };
    if ($('#f-from').value) body.effectiveFrom = $('#f-from').value;
    if ($('#f-to').value) body.effectiveTo = $('#f-to').value;
    if ($('#f-group').value.trim()) body.exclusionGroup = $('#f-group').value.trim();
    if ($('#f-budget').value) body.budgetFen = wan($('#f-budget').value);
    try { body.examples = JSON.parse($('#f-examples').value || '[]'); } catch { throw new Problem(400, { detail: '样例不是有效的 JSON。' }); }
    if (existing) { body.oncePerEnterprise = existing.oncePerEnterprise; body.recurrence = existing.recurrence; }
    return body;
  };

  let generation = 0;
  async function redraw() {
    const mine = ++generation;
    const status = main.querySelector('#criteria-status');
    const parsed = await api('/v1/policies/criteria-text', { method: 'POST', body: { text: $('#f-criteria').value } });
    if (mine !== generation) return;
    if (!parsed.valid) {
      status.className = 'error';
      status.textContent = parsed.line ? `第 ${parsed.line} 行第 ${parsed.column} 列：${parsed.message.replace(/^第 \d+ 行第 \d+ 列：/, '')}` : parsed.message;
      $('#f-criteria').setAttribute('aria-invalid', 'true');
      return;
    }
    $('#f-criteria').removeAttribute('aria-invalid');
    criteria = parsed.criteria;
    status.className = 'ok';
    status.textContent = `即：${parsed.description}`;
    const body = document_();
    const dry = await api('/v1/policies/dry-run', { method: 'POST', body: { ...body, id: body.id || 'sandbox', title: body.title || '试算', issuer: body.issuer || '试算' } });
    if (mine !== generation) return;
    const c = dry.counts;
    const regions = [...dry.byRegion].sort((a, b) => b.counts.eligible - a.counts.eligible).slice(0, 8);
    main.querySelector('#sandbox').innerHTML = html`
      <p>全体 <strong>${dry.population}</strong> 家企业中，符合 <strong data-figure="eligible">${c.eligible}</strong> 家，
        金额合计 <strong data-figure="total">${dry.totalAmountText ?? yuan(dry.totalAmountFen)}</strong>${body.budgetFen ? html`，预算 ${yuan(body.budgetFen)}` : ''}。</p>
      ${bars([{ label: '符合', value: c.eligible, css: 'bar-eligible' }, { label: '待补充信息', value: c.unknown, css: 'bar-unknown' },
        { label: '就高不重复', value: c.excluded, css: 'bar-excluded' }, { label: '不符合', value: c.ineligible, css: 'bar-ineligible' }], { unit: (v) => `${v} 家` })}
      <h3>金额与预算</h3>
      ${bars([{ label: '试算金额', value: dry.totalAmountFen }], { unit: yuan, budget: body.budgetFen })}
      ${body.budgetFen && dry.totalAmountFen > body.budgetFen ? html`<p class="warn">超出预算：审批时将按比例核减，每户约发放 ${(Math.floor(body.budgetFen * 1000 / dry.totalAmountFen) / 10).toFixed(1)}%。</p>` : ''}
      <h3>按地区（符合的企业）</h3>${bars(regions.map((r) => ({ label: r.label, value: r.counts.eligible })), { unit: (v) => `${v} 家` })}
      <h3>按技术领域</h3>${bars(dry.byTechDomain.map((r) => ({ label: r.label, value: r.counts.eligible })), { unit: (v) => `${v} 家` })}
      ${dry.exampleFailures?.length ? html`<p class="warn">有 ${dry.exampleFailures.length} 个样例与预期不符：${dry.exampleFailures.map((x) => x.name).join('、')}</p>` : ''}`.s;
    main.querySelector('#sandbox').dataset.generation = String(mine);
  }
  let timer;
  const later = () => { clearTimeout(timer); timer = setTimeout(() => redraw().catch(showFormError), 200); };
  form.addEventListener('input', later);
  function showFormError(problem) {
    const box = main.querySelector('#form-error');
    box.textContent = problem instanceof Problem ? [problem.message, ...problem.errors.map((e) => `${e.field}：${e.message}`)].join('；') : '出错了，请重试。';
  }
  const run = (fn) => async () => { main.querySelector('#form-error').textContent = ''; try { await fn(); } catch (p) { if (p?.status === 401) signInScreen(p.message); else showFormError(p); } };

  main.querySelector('#check').addEventListener('click', run(async () => {
    const check = await api('/v1/policies/check', { method: 'POST', body: document_() });
    main.querySelector('#review').innerHTML = html`<h3>发布前检查</h3>${check.findings.length
      ? html`<ul class="findings">${check.findings.map((x) => html`<li class="warn"><span class="chip">${x.path}</span> ${x.message}</li>`)}</ul>`
      : html`<p class="ok">没有发现问题。</p>`}`.s;
  }));
  main.querySelector('#compare')?.addEventListener('click', run(async () => {
    const c = await api(`/v1/policies/${encodeURIComponent(existing.id)}/compare`, { method: 'POST', body: document_() });
    main.querySelector('#review').innerHTML = html`<h3>与现行版本（第 ${c.versionInForce} 版）比较</h3>
      <table><caption class="sr-only">版本比较</caption><tbody>
        <tr><th scope="row">新增符合</th><td class="num" data-figure="gained">${c.gained} 家</td></tr>
        <tr><th scope="row">不再符合</th><td class="num" data-figure="lost">${c.lost} 家</td></tr>
        <tr><th scope="row">金额变化</th><td class="num">${c.amountChanged} 家</td></tr>
        <tr><th scope="row">金额合计</th><td class="num">${c.totalBeforeText} → ${c.totalAfterText}</td></tr>
        ${c.budgetFen != null ? html`<tr><th scope="row">预算 ${c.budgetText} 下每户发放比例</th><td class="num">${c.payableBeforeBp / 100}% → ${c.payableAfterBp / 100}%</td></tr>` : ''}
      </tbody></table>
      <h3>按地区</h3><table><thead><tr><th scope="col">地区</th><th class="num" scope="col">新增</th><th class="num" scope="col">减少</th><th class="num" scope="col">金额变化</th></tr></thead>
      <tbody>${c.byRegion.map((r) => html`<tr><td>${r.label}</td><td class="num">${r.gained}</td><td class="num">${r.lost}</td><td class="num">${r.amountChanged}</td></tr>`)}</tbody></table>`.s;
  }));
  main.querySelector('#save').addEventListener('click', run(async () => {
    const body = document_();
    const saved = existing
      ? await api(`/v1/policies/${encodeURIComponent(existing.id)}`, { method: 'PUT', body })
      : await api('/v1/policies', { method: 'POST', body });
    toast(`已保存草稿：${saved.title}（第 ${saved.version} 版）`);
    if (!existing) location.hash = `#/edit/${encodeURIComponent(saved.id)}`;
  }));
  main.querySelector('#publish').addEventListener('click', run(async () => {
    const body = document_();
    const saved = existing
      ? await api(`/v1/policies/${encodeURIComponent(existing.id)}`, { method: 'PUT', body })
      : await api('/v1/policies', { method: 'POST', body });
    const published = await api(`/v1/policies/${encodeURIComponent(saved.id)}/publish`, { method: 'POST', body: { version: saved.version } });
    main.querySelector('#review').innerHTML = html`<p class="ok">已发布第 ${published.version} 版，样例全部通过，免申即享匹配已开始。</p>
      ${published.warnings?.length ? html`<ul class="findings">${published.warnings.map((x) => html`<li class="warn">${x.message}</li>`)}</ul>` : ''}`.s;
    toast(`已发布：${published.title}`);
  }));
  redraw().catch(showFormError);
}

// ---------- 核验队列 ----------
async function verifications() {
  const list = await api('/v1/verifications');
  show(html`<h1>核验队列</h1>
    ${list.items.length ? '' : html`<p class="muted">没有待核验的事项。</p>`}
    ${list.items.map((v) => html`<section class="card" aria-label="${v.enterpriseName}">
      <h2>${v.enterpriseName} <span class="muted">${v.regionName}</span></h2>
      ${v.entitlement ? html`<p>政策：${v.entitlement.policyTitle}，金额 ${v.entitlement.amountText ?? '待定'}</p>` : ''}
      ${v.correction ? html`<p>更正申请：${v.correction.fieldName}，理由：${v.correction.reason}</p>` : ''}
      <table><caption>所依据的企业自报信息</caption><thead><tr><th scope="col">信息</th><th scope="col">自报值</th><th scope="col">填报</th></tr></thead>
        <tbody>${v.claims.map((c) => html`<tr><td>${c.fieldName}</td><td>${c.valueText ?? JSON.stringify(c.value)}</td><td>${c.declaredAt ? new Date(c.declaredAt).toLocaleString('zh-CN') : ''}</td></tr>`)}</tbody></table>
      <form data-id="${v.id}" class="row" novalidate>
        <div><label for="ev-${v.id}">核验依据（凭证号）</label><input id="ev-${v.id}" name="evidence" type="text"></div>
        <div><label for="re-${v.id}">不通过的理由</label><input id="re-${v.id}" name="reason" type="text"></div>
        <p class="error" role="alert"></p>
        <div class="actions"><button type="submit" value="verify">核验通过</button><button type="submit" value="reject" class="danger">不通过</button></div>
      </form></section>`)}`, '核验队列');
  main.querySelectorAll('form[data-id]').forEach((form) => form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = form.dataset.id;
    try {
      if (e.submitter?.value === 'reject') {
        await api(`/v1/verifications/${encodeURIComponent(id)}/reject`, { method: 'POST', body: { reason: form.elements.reason.value.trim() } });
        toast('已退回，企业会收到通知。');
      } else {
        await api(`/v1/verifications/${encodeURIComponent(id)}/verify`, { method: 'POST', body: { evidenceReference: form.elements.evidence.value.trim() } });
        toast('核验通过，企业会收到通知。');
      }
      await verifications();
    } catch (p) {
      form.querySelector('.error').textContent = p instanceof Problem ? [p.message, ...p.errors.map((x) => x.message)].join('；') : '出错了';
    }
  }));
}

// ---------- 审批 (within budget, 按比例核减) ----------
async function approvals(query) {
  const policyId = query.get('policy') ?? '';
  const all = await api('/v1/policies?limit=200');
  const list = policyId ? await api(`/v1/entitlements?policyId=${encodeURIComponent(policyId)}&status=confirmed&limit=200`) : { items: [] };
  // The pro-rata preview as the workflow computes it: what is left of the budget after earlier approvals, shared by
  // floor(amount × remaining ÷ batch total) when the batch exceeds it.
  const [detail, stats] = policyId ? await Promise.all([api(`/v1/policies/${encodeURIComponent(policyId)}`), api(`/v1/policies/${encodeURIComponent(policyId)}/statistics`)]) : [null, null];
  const total = list.items.reduce((s, e) => s + (e.amountFen ?? 0), 0);
  const remaining = detail?.budgetFen != null ? detail.budgetFen - stats.total.approved.amountFen : null;
  const prorate = remaining != null && total > remaining;
  const after = (fen) => (prorate ? Math.floor((fen * Math.max(remaining, 0)) / total) : fen);
  show(html`<h1>审批</h1>
    <form class="card row" id="pick"><div><label for="policy">政策</label><select id="policy"><option value="">请选择</option>
      ${all.items.map((p) => html`<option value="${p.id}"${p.id === policyId ? raw(' selected') : ''}>${p.title}</option>`)}</select></div>
      <div class="actions" style="align-self:end"><button type="submit">查看待审批</button></div></form>
    ${policyId ? html`<section class="card"><h2>已确认、待审批：${list.items.length} 户</h2>
      <p>本批合计 ${yuan(total)}${remaining != null ? html`；预算 ${yuan(detail.budgetFen)}，已批准 ${yuan(stats.total.approved.amountFen)}，尚余 ${yuan(Math.max(remaining, 0))}` : ''}。</p>
      ${prorate ? html`<p class="warn" id="preview">超出预算：批准时将按比例核减，每户约发放 ${(Math.floor(Math.max(remaining, 0) * 1000 / total) / 10).toFixed(1)}%（见下表“预计核减后”）。</p>` : ''}
      <div class="actions"><button type="button" id="approve"${list.items.length ? '' : raw(' disabled')}>全部批准</button></div>
      <div id="approval" aria-live="polite"></div>
      <table id="pending"><thead><tr><th scope="col">企业</th><th class="num" scope="col">应享</th>${prorate ? html`<th class="num" scope="col">预计核减后</th>` : ''}</tr></thead>
      <tbody>${list.items.map((e) => html`<tr><td>${e.enterpriseName}</td><td class="num">${e.amountText ?? '待定'}</td>${prorate ? html`<td class="num">${yuan(after(e.amountFen ?? 0))}</td>` : ''}</tr>`)}</tbody></table></section>` : ''}`, '审批');
  main.querySelector('#pick').addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/approvals?policy=${encodeURIComponent(main.querySelector('#policy').value)}`; });
  main.querySelector('#approve')?.addEventListener('click', async () => {
    try {
      const a = await api('/v1/entitlements/approve', { method: 'POST', body: { policyId, entitlementIds: list.items.map((e) => e.id) } });
      main.querySelector('#pending')?.remove(); // approved: the pending list is history now
      main.querySelector('#approve').disabled = true;
      main.querySelector('#approval').innerHTML = html`<p class="${a.prorated ? 'warn' : 'ok'}">已批准 ${a.approved.length} 户，合计 ${a.approvedTotalText}${a.prorated ? '；超出预算，已按比例核减' : ''}。</p>
        ${a.prorated ? html`<table><thead><tr><th scope="col">企业</th><th class="num" scope="col">应享</th><th class="num" scope="col">核减后</th></tr></thead>
          <tbody>${a.approved.map((e) => html`<tr><td>${e.enterpriseName}</td><td class="num">${e.amountText ?? ''}</td><td class="num">${e.approvedAmountText ?? ''}</td></tr>`)}</tbody></table>` : ''}`.s;
    } catch (p) {
      main.querySelector('#approval').innerHTML = html`<p class="error" role="alert">${p.message}</p>`.s;
    }
  });
}

// ---------- 拨付文件: one line per payment, "entitlementId,paymentReference" ----------
async function payments() {
  const all = await api('/v1/policies?limit=200');
  show(html`<h1>拨付文件</h1>
    <form class="card" id="pay" novalidate>
      <label for="policy">政策</label><select id="policy">${all.items.map((p) => html`<option value="${p.id}">${p.title}</option>`)}</select>
      <label for="file">拨付文件（CSV：权益编号,支付凭证号）</label><input id="file" type="file" accept=".csv,text/csv,text/plain">
      <label for="lines">或直接粘贴</label><textarea id="lines" class="code" placeholder="ent-…,PAY-2026-0001"></textarea>
      <div class="actions"><button type="submit">提交拨付</button></div>
    </form>
    <section class="card" aria-labelledby="result-title"><h2 id="result-title">逐行结果</h2><div id="result" aria-live="polite"><p class="muted">尚未提交。</p></div></section>`, '拨付文件');
  main.querySelector('#file').addEventListener('change', async (e) => { main.querySelector('#lines').value = await e.target.files[0]?.text() ?? ''; });
  main.querySelector('#pay').addEventListener('submit', async (e) => {
    e.preventDefault();
    const rows = main.querySelector('#lines').value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => l.split(/[,，\t]/).map((x) => x.trim()));
    try {
      const d = await api('/v1/entitlements/disburse', {
        method: 'POST', body: { policyId: main.querySelector('#policy').value, payments: rows.map(([entitlementId, paymentReference]) => ({ entitlementId, paymentReference })) },
      });
      main.querySelector('#result').innerHTML = html`<p class="ok">已拨付 ${d.disbursed.length} 笔，合计 ${d.disbursedTotalText}；未拨付 ${d.refused.length} 笔。</p>
        <table><thead><tr><th scope="col">权益编号</th><th scope="col">结果</th></tr></thead><tbody>
        ${d.disbursed.map((x) => html`<tr><td>${x.id}</td><td>已拨付 ${x.approvedAmountText ?? x.amountText ?? ''}（${x.paymentReference}）</td></tr>`)}
        ${d.refused.map((x) => html`<tr><td>${x.entitlementId}</td><td class="error">${x.message}</td></tr>`)}</tbody></table>`.s;
    } catch (p) {
      main.querySelector('#result').innerHTML = html`<p class="error" role="alert">${p.message}${p.errors?.length ? `：${p.errors.map((x) => `${x.field} ${x.message}`).join('；')}` : ''}</p>`.s;
    }
  });
}

// ---------- 异议处理: an enterprise objected during 公示; uphold (revoke) or dismiss, with a resolution ----------
async function objections() {
  const list = await api('/v1/entitlements?status=objected&limit=200');
  show(html`<h1>异议处理</h1>
    ${list.items.length ? '' : html`<p class="muted">没有待处理的异议。</p>`}
    ${list.items.map((e) => html`<section class="card" aria-label="${e.enterpriseName}">
      <h2>${e.enterpriseName}：${e.policyTitle}</h2><p>金额 ${e.amountText ?? '待定'}；异议理由：${e.objectionReason ?? ''}</p>
      <form data-id="${e.id}" novalidate><label for="res-${e.id}">处理意见</label><input id="res-${e.id}" name="resolution" type="text">
        <p class="error" role="alert"></p>
        <div class="actions"><button type="submit" value="uphold" class="danger">异议成立，撤销</button><button type="submit" value="dismiss">异议不成立，确认</button></div>
      </form></section>`)}`, '异议处理');
  main.querySelectorAll('form[data-id]').forEach((form) => form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api(`/v1/entitlements/${encodeURIComponent(form.dataset.id)}/resolve`, {
        method: 'POST', body: { uphold: e.submitter?.value === 'uphold', resolution: form.elements.resolution.value.trim() },
      });
      toast('已处理，企业会收到通知。');
      await objections();
    } catch (p) {
      form.querySelector('.error').textContent = p instanceof Problem ? [p.message, ...p.errors.map((x) => x.message)].join('；') : '出错了';
    }
  }));
}

// ---------- 统计: a policy's money by stage, in total, by region and by tech domain ----------
async function statistics(query) {
  const policyId = query.get('policy') ?? '';
  const all = await api('/v1/policies?limit=200');
  const s = policyId ? await api(`/v1/policies/${encodeURIComponent(policyId)}/statistics`) : null;
  const STAGES = [['matched', '已匹配'], ['confirmed', '已确认'], ['approved', '已批准'], ['disbursed', '已拨付'], ['awaitingVerification', '待核验']];
  const table = (rows, caption) => html`<table><caption>${caption}</caption><thead><tr><th scope="col">范围</th>
      ${STAGES.map(([, l]) => html`<th class="num" scope="col">${l}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr><td>${r.label}</td>${STAGES.map(([k]) => html`<td class="num">${r[k].count} 户<br>${r[k].amountText}</td>`)}</tr>`)}</tbody></table>`;
  show(html`<h1>统计</h1>
    <form class="card row" id="pick"><div><label for="policy">政策</label><select id="policy"><option value="">请选择</option>
      ${all.items.map((p) => html`<option value="${p.id}"${p.id === policyId ? raw(' selected') : ''}>${p.title}</option>`)}</select></div>
      <div class="actions" style="align-self:end"><button type="submit">查看</button></div></form>
    ${s ? html`<section class="card"><h2>资金进度（户数）</h2>
        ${bars(STAGES.map(([k, l]) => ({ label: l, value: s.total[k].count, css: k === 'awaitingVerification' ? 'bar-unknown' : 'bar-eligible' })), { unit: (v) => `${v} 户` })}
        <h2>资金进度（金额）</h2>${bars(STAGES.map(([k, l]) => ({ label: l, value: s.total[k].amountFen, css: k === 'awaitingVerification' ? 'bar-unknown' : 'bar-eligible' })), { unit: yuan })}</section>
      <section class="card">${table([s.total], '合计')}</section>
      <section class="card">${table(s.byRegion, '按地区')}</section>
      <section class="card">${table(s.byTechDomain, '按技术领域')}</section>` : ''}`, '统计');
  main.querySelector('#pick').addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/statistics?policy=${encodeURIComponent(main.querySelector('#policy').value)}`; });
}

// ---------- 审计校验: the audit log's hash chain recomputed ----------
async function audit() {
  show(html`<h1>审计校验</h1><div class="card"><p>每一次发布、核验、审批和拨付都记入审计日志，每条记录带有前一条的哈希。校验会从第一条起逐条重算。</p>
    <div class="actions"><button type="button" id="verify-audit">开始校验</button></div><div id="audit-result" aria-live="polite"></div></div>`, '审计校验');
  main.querySelector('#verify-audit').addEventListener('click', async () => {
    const box = main.querySelector('#audit-result');
    box.innerHTML = html`<p class="muted">正在校验…</p>`.s;
    try {
      const r = await api('/v1/audit/verify');
      box.innerHTML = (r.intact
        ? html`<p class="ok">审计日志完整：${r.checked} 条记录全部校验通过。</p>`
        : html`<p class="error" role="alert">审计日志在第 ${r.brokenAt} 条处断裂（已读 ${r.checked} 条）：${r.reason}</p>`).s;
    } catch (p) {
      box.innerHTML = html`<p class="error" role="alert">${p.message}</p>`.s;
    }
  });
}

// ---------- sign-in and routing ----------
let signInProblem = null;
function signInScreen(reason) {
  side.hidden = true;
  show(html`<h1>登录政策工作台</h1>
    ${reason ?? signInProblem ? html`<p class="warn" role="alert">${reason ?? signInProblem}</p>` : ''}
    <div class="card">
      ${config.authority ? html`<p>请使用统一身份认证登录。</p><div class="actions"><button type="button" id="sign-in">登录</button></div>` : ''}
      ${config.devSignIn ? html`<p class="muted">演示环境：地址后加 <code>?dev-jurisdiction=620100</code>（该辖区工作人员）或 <code>?dev-role=admin</code>。</p>` : ''}
    </div>`, '登录');
  main.querySelector('#sign-in')?.addEventListener('click', () => startOidc().catch(() => signInScreen('暂时无法连接统一身份认证，请稍后再试。')));
}
const routes = [
  [/^\/$/, policies, 'policies'],
  [/^\/edit$/, () => edit(null), 'edit'],
  [/^\/edit\/([^/]+)$/, (q, id) => edit(decodeURIComponent(id)), 'policies'],
  [/^\/verifications$/, verifications, 'verifications'],
  [/^\/approvals$/, approvals, 'approvals'],
  [/^\/payments$/, payments, 'payments'],
  [/^\/objections$/, objections, 'objections'],
  [/^\/statistics$/, statistics, 'statistics'],
  [/^\/audit$/, audit, 'audit'],
];
async function route() {
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  const match = routes.find(([re]) => re.test(path || '/')) ?? routes[0];
  side.hidden = false;
  side.querySelectorAll('a').forEach((a) => (a.dataset.tab === match[2] ? a.setAttribute('aria-current', 'page') : a.removeAttribute('aria-current')));
  loading();
  try {
    await match[1](new URLSearchParams(search), ...((path || '/').match(match[0])?.slice(1) ?? []));
  } catch (p) {
    if (p?.status === 401) { signInScreen(p.message); return; }
    show(html`<h1>出错了</h1><p class="error" role="alert">${p?.message ?? '页面出错了，请重试。'}</p>`, '出错了');
  }
}
window.addEventListener('hashchange', route);
const started = await signIn((params) => {
  if (params.get('dev-role') === 'admin') return { role: 'admin', sub: 'console-admin' };
  const j = params.get('dev-jurisdiction');
  return j ? { role: 'staff', jurisdiction: j, sub: `officer-${j}` } : null;
});
signInProblem = started.problem;
if (started.signedIn) route(); else signInScreen();
