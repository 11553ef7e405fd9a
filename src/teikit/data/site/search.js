/* teikit site search.

   Runs in the browser on the index `teikit build` writes as search-index.js
   (window.TEIKIT_SEARCH_INDEX): no server, so it works from file:// as well as
   over http. Matching ignores case and accents: index and query are folded
   alike (NFD, combining marks dropped; Đ đ Ð ð -> dj, Ł -> l, ß -> ss …), so
   "Dvorak" finds "Dvořák" and "Dvořák" finds "Dvorak". A query that names a
   register entry (any of its name variants) also finds every tagged mention of
   it, whatever the text says there.

   Safety: results are built from DOM nodes; text from the index only ever
   becomes text nodes (never innerHTML), links only point to pages of the site,
   and there are no inline event handlers. */
(function () {
  "use strict";

  var SPECIAL = {
    "\u0110": "dj", "\u0111": "dj", "\u00d0": "dj", "\u00f0": "dj",
    "\u0141": "l", "\u0142": "l", "\u00d8": "o", "\u00f8": "o",
    "\u00c6": "ae", "\u00e6": "ae", "\u0152": "oe", "\u0153": "oe",
    "\u00df": "ss", "\u1e9e": "ss", "\u0131": "i", "\u00de": "th", "\u00fe": "th",
    "\u2018": "'", "\u2019": "'", "\u02bc": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"
  };
  // Combining marks, as left by NFD: Latin, Cyrillic, extended and supplementary blocks.
  var MARKS = /[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
  var SPACE = /^\s$/;
  // Only pages of this site (what teikit writes), never another scheme or host.
  var SITE_LINK = /^[A-Za-z0-9._-]+\.html(#[A-Za-z0-9._:-]+)?$/;
  var PASSAGES_PER_DOC = 8;
  var MAX_MARKS = 60;
  var BEFORE = 60;
  var AFTER = 110;

  var INDEX = window.TEIKIT_SEARCH_INDEX;
  var folds = {};

  function foldChar(ch) {
    var hit = folds[ch];
    if (hit !== undefined) { return hit; }
    var out = SPECIAL[ch];
    if (out === undefined) {
      var lower = ch.toLowerCase();
      out = SPECIAL[lower] !== undefined ? SPECIAL[lower] : lower.normalize("NFD").replace(MARKS, "");
    }
    folds[ch] = out;
    return out;
  }

  /* The folded text; with `withMap`, also where each folded character came from:
     starts[i] and ends[i] are the UTF-16 offsets of its original character, so a
     match in the folded text can be marked in the original. */
  function fold(text, withMap) {
    var out = "";
    var starts = withMap ? [] : null;
    var ends = withMap ? [] : null;
    var space = true;
    var k = 0;
    while (k < text.length) {
      var ch = String.fromCodePoint(text.codePointAt(k));
      var next = k + ch.length;
      var piece = SPACE.test(ch) ? (space ? "" : " ") : foldChar(ch);
      if (piece) {
        space = piece === " ";
        out += piece;
        if (withMap) {
          for (var j = 0; j < piece.length; j++) { starts.push(k); ends.push(next); }
        }
      }
      k = next;
    }
    if (out.charAt(out.length - 1) === " ") {
      out = out.slice(0, -1);
      if (withMap) { starts.pop(); ends.pop(); }
    }
    return { text: out, starts: starts, ends: ends };
  }

  function queryTerms(query) {
    var seen = {};
    return fold(query, false).text.split(" ").filter(function (term) {
      if (!term || seen[term]) { return false; }
      seen[term] = true;
      return true;
    });
  }

  function prepare() {
    INDEX.records.forEach(function (record) { record.f = fold(record.t, false).text; });
    INDEX.entities.forEach(function (entity) {
      entity.f = fold([entity.n].concat(entity.v || []).join(" | "), false).text;
    });
  }

  function containsAll(text, terms) {
    for (var i = 0; i < terms.length; i++) {
      if (text.indexOf(terms[i]) < 0) { return false; }
    }
    return true;
  }

  function allowed(doc, who, year) {
    if (who && (!doc.c || doc.c.indexOf(who) < 0)) { return false; }
    if (year && doc.y !== year) { return false; }
    return true;
  }

  function search(terms, who, year) {
    var entities = [];
    var named = {};
    if (terms.length) {
      INDEX.entities.forEach(function (entity, i) {
        if (containsAll(entity.f, terms)) { named[i] = true; entities.push(entity); }
      });
    }
    var hits = [];
    INDEX.records.forEach(function (record) {
      var doc = INDEX.docs[record.d];
      if (!doc || !allowed(doc, who, year)) { return; }
      var inText = terms.length > 0 && containsAll(record.f, terms);
      var mentions = (record.m || []).filter(function (m) { return named[m[0]]; });
      if (inText || mentions.length) {
        hits.push({ record: record, inText: inText, mentions: mentions });
      }
    });
    return { entities: entities, hits: hits };
  }

  /* [start, end) ranges to mark in a record's text: the query terms where the text
     has them, and the mentions of the entities the query names. */
  function ranges(hit, terms) {
    var found = [];
    if (hit.inText) {
      var folded = fold(hit.record.t, true);
      terms.forEach(function (term) {
        var at = folded.text.indexOf(term);
        while (at >= 0 && found.length < MAX_MARKS) {
          found.push([folded.starts[at], folded.ends[at + term.length - 1]]);
          at = folded.text.indexOf(term, at + term.length);
        }
      });
    }
    hit.mentions.forEach(function (m) { found.push([m[1], m[2]]); });
    found.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    found.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) { last[1] = Math.max(last[1], r[1]); } else { merged.push([r[0], r[1]]); }
    });
    return merged;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function link(href, text, className) {
    var a = el("a", className, text);
    if (SITE_LINK.test(href)) { a.setAttribute("href", href); }
    return a;
  }

  /* The passage around the first marked range, with every range in it as <mark>. */
  function snippet(text, marks) {
    var fragment = document.createDocumentFragment();
    var first = marks.length ? marks[0] : [0, 0];
    var start = Math.max(0, first[0] - BEFORE);
    var end = Math.min(text.length, first[1] + AFTER);
    if (start > 0) {
      var space = text.indexOf(" ", start);
      if (space >= 0 && space < first[0]) { start = space + 1; }
    }
    if (end < text.length) {
      var back = text.lastIndexOf(" ", end);
      if (back > first[1]) { end = back; }
    }
    if (start > 0) { fragment.appendChild(document.createTextNode("… ")); }
    var at = start;
    marks.forEach(function (r) {
      var s = Math.max(r[0], at);
      var e = Math.min(r[1], end);
      if (e <= s) { return; }
      if (s > at) { fragment.appendChild(document.createTextNode(text.slice(at, s))); }
      fragment.appendChild(el("mark", "", text.slice(s, e)));
      at = e;
    });
    if (at < end) { fragment.appendChild(document.createTextNode(text.slice(at, end))); }
    if (end < text.length) { fragment.appendChild(document.createTextNode(" …")); }
    return fragment;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  /* The site's words (the search index carries them from the site's catalog). */
  function t(key, values) {
    var strings = (INDEX && INDEX.strings) || {};
    var text = strings[key] !== undefined ? strings[key] : key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] !== undefined ? String(values[name]) : whole;
    });
  }

  /* The .one or .other form of key for n. */
  function count(key, n, values) {
    var all = { n: n };
    Object.keys(values || {}).forEach(function (k) { all[k] = values[k]; });
    return t(key + (n === 1 ? ".one" : ".other"), all);
  }

  function showEntities(container, entities) {
    if (!entities.length) { return; }
    var section = el("section", "tks-result-entities");
    section.appendChild(el("h2", "", t("search.in-registers")));
    var list = el("ul", "tks-entity-results");
    entities.forEach(function (entity) {
      var item = el("li");
      item.appendChild(link(entity.u, entity.n, "tks-entity-result"));
      item.appendChild(el("span", "tks-kind", " (" + entity.k + ")"));
      if (entity.o) { item.appendChild(document.createTextNode(": " + entity.o)); }
      list.appendChild(item);
    });
    section.appendChild(list);
    container.appendChild(section);
  }

  function showHits(container, hits, terms) {
    if (!hits.length) { return; }
    var byDoc = [];
    var groups = {};
    hits.forEach(function (hit) {
      var d = hit.record.d;
      if (!groups[d]) { groups[d] = []; byDoc.push(d); }
      groups[d].push(hit);
    });
    var section = el("section", "tks-result-texts");
    section.appendChild(el("h2", "", t("search.in-texts")));
    var list = el("ol", "tks-results");
    byDoc.forEach(function (d) {
      var doc = INDEX.docs[d];
      var item = el("li", "tks-result");
      var heading = el("h3");
      heading.appendChild(link(doc.u, doc.t, "tks-result-doc"));
      item.appendChild(heading);
      var passages = el("ol", "tks-passages");
      groups[d].slice(0, PASSAGES_PER_DOC).forEach(function (hit) {
        var entry = el("li");
        var a = link(doc.u + "#" + hit.record.a, "", "tks-passage");
        if (hit.record.n !== undefined) {
          a.appendChild(el("span", "tks-note-label", t("search.note", { n: hit.record.n })));
        }
        a.appendChild(snippet(hit.record.t, ranges(hit, terms)));
        entry.appendChild(a);
        passages.appendChild(entry);
      });
      item.appendChild(passages);
      var more = groups[d].length - PASSAGES_PER_DOC;
      if (more > 0) {
        item.appendChild(el("p", "tks-more", count("search.more", more)));
      }
      list.appendChild(item);
    });
    section.appendChild(list);
    container.appendChild(section);
  }

  function showDocuments(container, who, year) {
    var list = el("ol", "tks-results");
    var count = 0;
    INDEX.docs.forEach(function (doc) {
      if (!allowed(doc, who, year) || doc.k !== "letter") { return; }
      var item = el("li", "tks-result");
      item.appendChild(link(doc.u, doc.t, "tks-result-doc"));
      list.appendChild(item);
      count += 1;
    });
    if (count) { container.appendChild(list); }
    return count;
  }

  function run(form, status, results, remember) {
    var query = form.elements.q.value;
    var who = form.elements.who ? form.elements.who.value : "";
    var year = form.elements.year ? form.elements.year.value : "";
    var terms = queryTerms(query);
    clear(results);
    if (!terms.length) {
      if (who || year) {
        var n = showDocuments(results, who, year);
        status.textContent = n ? count("search.letters", n) : t("search.no-letter");
      } else {
        status.textContent = query.trim() ? t("search.type") : "";
      }
    } else {
      var found = search(terms, who, year);
      var docs = {};
      found.hits.forEach(function (hit) { docs[hit.record.d] = true; });
      var parts = [];
      var named = found.entities.length;
      if (named) { parts.push(count("search.entries", named)); }
      parts.push(t("search.found", {
        passages: count("search.passages", found.hits.length),
        documents: count("search.documents", Object.keys(docs).length)
      }));
      status.textContent = found.hits.length || found.entities.length
        ? t("search.for", { what: parts.join(", "), query: query.trim() })
        : t("search.nothing", { query: query.trim() });
      showEntities(results, found.entities);
      showHits(results, found.hits, terms);
    }
    if (remember) { rememberQuery(query, who, year); }
  }

  /* Put the query into the address, so that it can be bookmarked and survives
     going back from a result; some browsers refuse this for file:// pages. */
  function rememberQuery(query, who, year) {
    var params = new URLSearchParams();
    if (query.trim()) { params.set("q", query.trim()); }
    if (who) { params.set("who", who); }
    if (year) { params.set("year", year); }
    try {
      window.history.replaceState(null, "", "?" + params.toString());
    } catch (e) { /* not allowed here: the results are shown all the same */ }
  }

  function init() {
    var form = document.getElementById("tks-search-form");
    var status = document.getElementById("tks-search-status");
    var results = document.getElementById("tks-search-results");
    if (!form || !status || !results) { return; }
    if (!INDEX || !INDEX.records) {
      status.textContent = status.getAttribute("data-unavailable") || "search-index.js?";
      return;
    }
    prepare();
    var params = new URLSearchParams(window.location.search);
    form.elements.q.value = params.get("q") || "";
    ["who", "year"].forEach(function (name) {
      var field = form.elements[name];
      if (!field) { return; }
      field.value = params.get(name) || "";
      field.addEventListener("change", function () { run(form, status, results, true); });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run(form, status, results, true);
    });
    if (form.elements.q.value || params.get("who") || params.get("year")) {
      run(form, status, results, false);
    }
    document.documentElement.classList.add("tks-search-ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
