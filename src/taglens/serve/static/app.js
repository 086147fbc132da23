// taglens page: plain JavaScript, no build step. Talks to /v1/suggest and /v1/platforms.
"use strict";

const SUGGEST_K = 20; // more than any platform's limit, so there is a choice
const $ = (id) => document.getElementById(id);
const state = {
  files: [],          // {file, url}
  suggestions: [],    // from /v1/suggest
  chosen: [],         // keys, in the order they were picked
  camel: localStorage.getItem("taglens.camel") !== "0",
  platforms: {},
  maxImages: 10,
};

// Scorer names as a person would say them; unknown names are shown as they are.
const EVIDENCE = {
  cooccurrence: "goes with your tags", popularity: "popular", sentence: "caption meaning",
  knn: "similar posts", word2vec: "caption words", glove: "caption words", openvocab: "caption words",
  image_zeroshot: "what the photo shows", image_head: "what the photo shows", image_topic: "the photo's topic",
};

// ---- helpers ----------------------------------------------------------------
const keyOf = (tag) => tag.replace(/^#/, "").normalize("NFKC").toLowerCase();
const shown = (s) => (state.camel ? s.display : s.tag);
const givenTags = () => $("given").value.split(/[\s,]+/).filter((t) => t.replace("#", "").length > 0);

function setError(message) {
  $("error").textContent = message || "";
  $("error").hidden = !message;
}

function announce(text) {
  $("status").textContent = "";
  setTimeout(() => { $("status").textContent = text; }, 30);
}

// ---- photos -----------------------------------------------------------------
function addFiles(fileList) {
  const images = [...fileList].filter((f) => f.type.startsWith("image/"));
  if (images.length < fileList.length) setError("Only photos (JPEG, PNG, WebP, GIF) can be added.");
  for (const file of images) {
    if (state.files.length >= state.maxImages) {
      setError(`At most ${state.maxImages} photos a post.`);
      break;
    }
    state.files.push({ file, url: URL.createObjectURL(file) });
  }
  renderThumbs();
}

function removeFile(index) {
  URL.revokeObjectURL(state.files[index].url);
  state.files.splice(index, 1);
  renderThumbs();
  $("files").focus();
}

function renderThumbs() {
  const list = $("thumbs");
  list.replaceChildren(...state.files.map(({ file, url }, i) => {
    const li = document.createElement("li");
    li.className = "thumb";
    const img = document.createElement("img");
    img.src = url;
    img.alt = file.name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove ${file.name}`);
    remove.addEventListener("click", () => removeFile(i));
    li.append(img, remove);
    return li;
  }));
  $("drop-hint").textContent = state.files.length
    ? `${state.files.length} photo${state.files.length > 1 ? "s" : ""} · up to ${state.maxImages}`
    : `JPEG, PNG, WebP · up to ${state.maxImages}`;
}

function wireDrop() {
  const drop = $("drop");
  $("files").addEventListener("change", (e) => { addFiles(e.target.files); e.target.value = ""; });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("dragging"); });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("dragging"));
  }
  drop.addEventListener("drop", (e) => { e.preventDefault(); addFiles(e.dataTransfer.files); });
  document.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files || [])];
    if (files.length) addFiles(files);
  });
}

// ---- suggestions ------------------------------------------------------------
async function suggest() {
  setError("");
  const form = new FormData();
  for (const { file } of state.files) form.append("images", file, file.name);
  form.append("caption", $("caption").value);
  form.append("hashtags", givenTags().join(" "));
  form.append("k", String(SUGGEST_K));
  form.append("tag_language", $("tag-language").value);
  const allow = [...document.querySelectorAll("#allow input:checked")].map((box) => box.value);
  if (allow.length) form.append("allow", allow.join(","));
  const button = $("suggest");
  button.classList.add("busy");
  button.disabled = true;
  try {
    const response = await fetch("/v1/suggest", { method: "POST", body: form });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || `The server said ${response.status}.`);
    state.suggestions = body.hashtags;
    const given = new Set(givenTags().map(keyOf));
    state.chosen = state.chosen.filter((k) => body.hashtags.some((s) => keyOf(s.tag) === k) && !given.has(k));
    const topic = body.topic ? ` · topic: ${body.topic.label}` : "";
    $("meta").textContent = `${body.hashtags.length} suggestions in ${Math.round(body.took_ms)} ms${topic}`
      + (body.warnings?.length ? ` · ${body.warnings.join("; ")}` : "");
    renderChips(true);
    renderTray();
    announce(`${body.hashtags.length} hashtags suggested`);
    $("chips").querySelector(".chip")?.focus();
  } catch (err) {
    setError(err.message === "Failed to fetch" ? "Cannot reach the taglens server." : err.message);
  } finally {
    button.classList.remove("busy");
    button.disabled = false;
  }
}

function renderChips(fresh = false) {
  const best = Math.max(...state.suggestions.map((s) => s.score), 1e-9);
  $("empty").hidden = state.suggestions.length > 0;
  $("mix").hidden = state.suggestions.length === 0;
  if (!state.suggestions.length) $("empty").textContent = "No suggestions for this post; add a caption or a tag.";
  $("chips").classList.toggle("fresh", fresh); // animate new suggestions, not a re-render
  $("chips").replaceChildren(...state.suggestions.map((s) => chip(s, best)));
}

function chip(s, best) {
  const key = keyOf(s.tag);
  const pct = Math.max(4, Math.round((100 * s.score) / best));
  const button = document.createElement("button");
  button.type = "button";
  button.className = "chip";
  button.dataset.key = key;
  button.setAttribute("aria-pressed", String(state.chosen.includes(key)));
  const evidence = s.evidence.length ? s.evidence.map((e) => EVIDENCE[e] || e).join(", ") : "model";
  const kind = s.kind && s.kind !== "content" ? ` · ${s.kind}` : "";
  button.dataset.tip = `${evidence} · score ${s.score.toFixed(2)}${kind}`;
  button.title = button.dataset.tip;
  button.setAttribute("aria-label", `${shown(s)}, ${s.reach || "unknown"} reach, relevance ${pct} percent, evidence ${evidence}`);
  button.innerHTML = `
    <span class="chip-top"><span class="chip-tag"></span><span class="chip-check" aria-hidden="true">✓</span></span>
    <span class="chip-bottom" aria-hidden="true"><span class="bar"><span></span></span>
      <span class="reach ${s.reach || ""}">${s.reach || ""}</span>${kind ? `<span class="kind">${s.kind}</span>` : ""}</span>`;
  button.querySelector(".chip-tag").textContent = shown(s);
  button.querySelector(".bar > span").style.width = `${pct}%`;
  button.addEventListener("click", () => toggle(key));
  return button;
}

function toggle(key) {
  const i = state.chosen.indexOf(key);
  if (i >= 0) state.chosen.splice(i, 1); else state.chosen.push(key);
  const el = $("chips").querySelector(`[data-key="${CSS.escape(key)}"]`);
  el?.setAttribute("aria-pressed", String(i < 0));
  renderTray();
}

// Broad tags reach many people, niche ones the people who care: take the best of each in turn.
function pickMix() {
  const platform = state.platforms[$("platform").value];
  const room = (platform ? platform.limit : 5) - givenTags().length;
  const buckets = ["broad", "medium", "niche"].map((tier) => state.suggestions.filter((s) => s.reach === tier));
  const picked = [];
  while (picked.length < room && buckets.some((b) => b.length)) {
    for (const bucket of buckets) {
      if (bucket.length && picked.length < room) picked.push(keyOf(bucket.shift().tag));
    }
  }
  state.chosen = picked;
  renderChips();
  renderTray();
  announce(picked.length ? `Picked ${picked.length} hashtags` : "No room left under the platform's limit");
}

// ---- tray: counter, preview, copy ---------------------------------------------
function chosenText() {
  const byKey = new Map(state.suggestions.map((s) => [keyOf(s.tag), s]));
  return state.chosen.map((k) => byKey.get(k)).filter(Boolean).map(shown).join(" ");
}

function renderTray() {
  const platform = state.platforms[$("platform").value];
  const given = givenTags().length;
  const used = given + state.chosen.length;
  $("count").textContent = String(used);
  $("limit").textContent = platform ? ` / ${platform.limit}` : "";
  $("counter-label").textContent = given ? `incl. ${given} already on the post` : "chosen";
  const counter = $("counter");
  counter.classList.toggle("over", !!platform && used > platform.limit);
  counter.classList.toggle("full", !!platform && used === platform.limit);
  $("meter").style.width = platform ? `${Math.min(100, (100 * used) / platform.limit)}%` : (used ? "100%" : "0");
  $("chosen").textContent = chosenText();
  $("copy").disabled = state.chosen.length === 0;
}

async function copy() {
  const text = chosenText();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = Object.assign(document.createElement("textarea"), { value: text });
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const button = $("copy");
  button.textContent = "Copied ✓";
  button.classList.add("copied");
  button.dataset.copied = text;
  announce(`Copied ${state.chosen.length} hashtag${state.chosen.length === 1 ? "" : "s"}`);
  setTimeout(() => { button.textContent = "Copy tags"; button.classList.remove("copied"); }, 1600);
}

function setCamel(on) {
  state.camel = on;
  localStorage.setItem("taglens.camel", on ? "1" : "0");
  $("camel").setAttribute("aria-checked", String(on));
  renderChips();
  renderTray();
}

// ---- platforms ----------------------------------------------------------------
async function loadPlatforms() {
  try {
    const [table, models] = await Promise.all([
      fetch("/v1/platforms").then((r) => r.json()),
      fetch("/v1/models").then((r) => r.json()),
    ]);
    state.maxImages = models.limits?.max_images ?? state.maxImages;
    for (const p of table.platforms) {
      state.platforms[p.name] = p;
      $("platform").append(new Option(`${p.label} · ${p.limit} tag${p.limit > 1 ? "s" : ""}`, p.name));
    }
    $("platform").dataset.asOf = table.as_of;
    const saved = localStorage.getItem("taglens.platform");
    if (saved && state.platforms[saved]) $("platform").value = saved;
    renderThumbs();
    showPlatform();
  } catch {
    setError("Cannot reach the taglens server.");
  }
}

function showPlatform() {
  const p = state.platforms[$("platform").value];
  localStorage.setItem("taglens.platform", $("platform").value);
  $("platform-note").textContent = p ? `${p.note} (${p.placement}; rules as of ${$("platform").dataset.asOf})` : "";
  renderTray();
}

// ---- start ----------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  wireDrop();
  $("suggest").addEventListener("click", suggest);
  $("caption").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) suggest();
  });
  $("given").addEventListener("keydown", (e) => { if (e.key === "Enter") suggest(); });
  $("given").addEventListener("input", renderTray);
  $("platform").addEventListener("change", showPlatform);
  $("copy").addEventListener("click", copy);
  $("mix").addEventListener("click", pickMix);
  $("camel").addEventListener("click", () => setCamel(!state.camel));
  $("camel").setAttribute("aria-checked", String(state.camel));
  loadPlatforms();
  renderTray();
});
