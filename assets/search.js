// The search page: runs the reader's query against the Pagefind index that `gazette build`
// writes to pagefind/ beside the pages, and lists title, 文号 and issue of each result.
// A module of the site itself (no inline script, no third party): the page's form is a plain
// GET form, so a query is a URL (search/index.html?q=河长&year=2024) that can be shared.
const PAGE_SIZE = 20;
const siteRoot = new URL("../", import.meta.url);  // this file is <site>/assets/search.js
const form = document.getElementById("search-form");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const FILTERS = ["year", "section", "issuer"];
// a 文号 such as 市政办发〔2023〕48号; typed with [] or () for 〔〕 it is still one
const DOC_NUMBER = /^[\u4e00-\u9fff]+[〔[(（]\d{4}[〕\])）]\d+号$/;

let pagefind = null;
let superseded = new Set();
let results = [];
let shown = 0;

function say(text) {
  status.textContent = text;
}

// Pagefind 1.5 cuts a Chinese query into words with the browser's Intl.Segmenter, whose words
// differ from those the indexer made (upstream issue #1237): cut so, 晋中 missed 2 of the 12
// documents that contain it; handed over whole, 河长 missed all 250 at 1,500 documents. So each
// query runs both ways and the results are joined (whole first). Search runs on this page's
// thread (noWorker), where the switch below applies.
let wholeQuery = false;
function allowWholeQueries() {
  const Segmenter = Intl.Segmenter;
  if (!Segmenter) return;
  Intl.Segmenter = function (locale, options) {
    if (wholeQuery && options && options.granularity === "word") {
      return { segment: (text) => [{ segment: text }] };
    }
    return new Segmenter(locale, options);
  };
}

async function searchBothWays(index, text, filters) {
  wholeQuery = true;
  const whole = (await index.search(text, { filters })).results;
  wholeQuery = false;
  const cut = (await index.search(text, { filters })).results;
  return current(whole.concat(cut));
}

// A 文号 names one document: it is looked up in search/numbers/<year>.json (a few KB), not in
// the full-text index, whose words for 市政办发〔2012〕45号 are spread over most of its chunks
// (0.9 MB at 1,500 documents). A 文号 that no document bears is then searched as text.
async function byNumber(number, filters) {
  const year = number.match(/〔(\d{4})〕/)[1];
  const answer = await fetch(new URL(`search/numbers/${year}.json`, siteRoot));
  const entry = answer.ok ? (await answer.json())[number] : undefined;
  if (!entry || FILTERS.some((name) => filters[name] && entry[name] !== filters[name])) return [];
  const data = { url: new URL(entry.url, siteRoot).pathname, excerpt: "",
                 meta: { title: entry.title, number, issue: entry.issue } };
  return [{ id: entry.url, data: async () => data }];
}

async function loadIndex() {
  if (pagefind) return pagefind;
  allowWholeQueries();
  try {
    pagefind = await import(new URL("pagefind/pagefind.js", siteRoot).href);
  } catch (error) {
    say("搜索索引不可用：本站的搜索索引由 gazette build 生成，预览中没有。");
    throw error;
  }
  // result URLs relative to where the site is served (a sub-path such as /gongbao/ included)
  await pagefind.options({ baseUrl: siteRoot.pathname, excerptLength: 40, noWorker: true });
  await pagefind.init();
  // the other issues are indexes of their own (the newest year's, then a few earlier years
  // each), listed in parts.json (an edit in the newest issue, its year or one group of years
  // does not rebuild the others), searched
  // with this one's WebAssembly: one list of results from all. They are merged together, not
  // one after another: each is a few requests that wait for nothing but the WebAssembly (on a
  // 100 ms network, one round of them instead of one per part)
  if (form.dataset.archiveIndex) {
    const archive = new URL(form.dataset.archiveIndex, siteRoot);
    // asked of the server each time: the groups are renamed when the archive's span doubles
    const listed = await fetch(new URL("parts.json", archive), { cache: "no-cache" });
    // no list: an index made before the archive was in parts, the archive itself one index
    const entries = listed.ok ? await listed.json() : [""];
    // after the folders, the pages edited since their group of years was indexed: a part of
    // their own, and the ids of their old entries in the groups, which are left out
    const edits = entries.find((entry) => typeof entry === "object") || {};
    superseded = new Set(edits.superseded || []);
    const parts = entries.filter((entry) => typeof entry === "string");
    if (edits.edits) parts.push(edits.edits);
    await Promise.all(parts.map((part) => pagefind.mergeIndex(
      new URL(part, archive).pathname, { baseUrl: siteRoot.pathname, excerptLength: 40 })));
  }
  return pagefind;
}

// Each document once, as it is now: not an entry that the edits part supersedes, and one
// entry where two parts hold the same (the same id: the digest of the same page)
function current(found) {
  const seen = new Set();
  return found.filter((result) => {
    if (superseded.has(result.id) || seen.has(result.id)) return false;
    seen.add(result.id);
    return true;
  });
}

function normalised(query) {
  // a 文号 typed with ASCII or full-width brackets means the same document
  const compact = query.replace(/\s+/g, "");
  if (!DOC_NUMBER.test(compact)) return { text: query, number: null };
  const number = compact.replace(/[[(（]/, "〔").replace(/[\])）]/, "〕");
  return { text: number, number };
}

function resultItem(data) {
  const item = document.createElement("li");
  item.className = "search-result";
  const title = document.createElement("a");
  title.className = "search-result-title";
  title.href = data.url;
  title.textContent = data.meta.title || data.url;
  const facts = document.createElement("p");
  facts.className = "search-result-meta";
  facts.textContent = [data.meta.number, data.meta.issue].filter(Boolean).join(" · ");
  const excerpt = document.createElement("p");
  excerpt.className = "search-result-excerpt";
  // Pagefind's excerpt is the page's text, HTML-escaped, with <mark> around the hits
  excerpt.innerHTML = data.excerpt;
  item.append(title, facts, excerpt);
  return item;
}

async function showMore() {
  const batch = results.slice(shown, shown + PAGE_SIZE);
  const data = await Promise.all(batch.map((result) => result.data()));
  for (const entry of data) list.append(resultItem(entry));
  shown += batch.length;
  more.hidden = shown >= results.length;
  more.textContent = `显示更多结果（已显示 ${shown} 件，共 ${results.length} 件）`;
}

async function run() {
  const params = new URLSearchParams(window.location.search);
  const query = (params.get("q") || "").trim();
  form.elements.q.value = query;
  const filters = {};
  for (const name of FILTERS) {
    const value = params.get(name) || "";
    form.elements[name].value = value;
    if (value) filters[name] = value;
  }
  if (!query && !Object.keys(filters).length) {
    say("请输入关键词或文号。");
    return;
  }
  say("正在搜索……");
  const { text, number } = normalised(query);
  results = [];
  if (number) results = await byNumber(number, filters);
  if (!results.length) {
    const index = await loadIndex();
    results = text ? await searchBothWays(index, text, filters)
      : current((await index.search(null, { filters })).results);
  }
  list.replaceChildren();
  shown = 0;
  await showMore();
  // announced once the first results are on the page
  say(results.length ? `找到 ${results.length} 件文件。` : "没有找到相关文件。");
}

more.addEventListener("click", () => { showMore(); });
run().catch((error) => {
  if (!status.textContent || status.textContent === "正在搜索……") say("搜索出错，请稍后再试。");
  console.warn(error);
});
