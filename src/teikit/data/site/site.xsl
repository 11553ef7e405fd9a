<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit site profile: site.xsl
  =============================
  Imports teikit's HTML stylesheet and makes its pages pages of the site:

  * the page chrome, through the hooks: tk:hook-head (referrer policy, icon,
    the site's stylesheet) and tk:hook-before-body (the site's navigation and
    quick search), from $site-nav; the Content-Security-Policy comes first in
    <head> through html.xsl's $csp;
  * links to other TEI files lead to the pages the site gave them, and nowhere
    when the file is not a document of the site ($site-pages, tk:href);
  * every name gets an element number id, so that a register page can link
    each occurrence to the very mention in the letter.

  teikit.site writes a copy of this file with @@HTML_XSL@@ replaced by the URI
  of xslt/html/html.xsl (its place differs between a checkout and an installed
  package) and renders every document page through it; the words are the
  catalog's (tk:msg, $ui-lang), like those of the site's own pages.

  The id of a mention is tks:mention-id(): "tk-m" followed by the element's
  position in document order (1 = the TEI root), counting elements only.
  teikit.site computes the same number from the TEI in Python
  (records.mention_anchors), so both sides agree without passing a map around.
  The imported rules decide what a mention looks like; this profile only adds
  the id: to the one element they write, or to a span around what they write.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    xmlns:tks="https://teikit.org/ns/site"
    xmlns:map="http://www.w3.org/2005/xpath-functions/map"
    xmlns:array="http://www.w3.org/2005/xpath-functions/array"
    xmlns:err="http://www.w3.org/2005/xqt-errors"
    exclude-result-prefixes="#all">

  <xsl:import href="@@HTML_XSL@@"/>

  <!-- The site's navigation as JSON: [[page, label], …], pages relative to the site root. -->
  <xsl:param name="site-nav" as="xs:string" select="'[]'"/>

  <!-- This page, relative to the site root (its navigation item is marked current). -->
  <xsl:param name="site-page" as="xs:string" select="''"/>

  <!-- The site's search page, relative to the site root; '' for no quick search. -->
  <xsl:param name="site-search" as="xs:string" select="''"/>

  <!-- JSON {"editions/L1.xml": "L1.html", …}: the page of every document of the site,
       by its path in the edition. -->
  <xsl:param name="site-pages" as="xs:string" select="'{}'"/>

  <!-- This document's path in the edition ("editions/L1.xml"): where its links start. -->
  <xsl:param name="site-source" as="xs:string" select="''"/>

  <xsl:variable name="tks:pages" as="map(*)" select="parse-json($site-pages)"/>

  <!-- =========================================================== chrome -->

  <xsl:template name="tk:hook-head">
    <meta name="referrer" content="no-referrer"/>
    <link rel="icon" href="{$site-root}assets/favicon.svg" type="image/svg+xml"/>
    <link rel="stylesheet" href="{$site-root}assets/site.css"/>
  </xsl:template>

  <xsl:template name="tk:hook-before-body">
    <xsl:variable name="nav" as="array(*)" select="parse-json($site-nav)"/>
    <xsl:if test="array:size($nav) gt 0">
      <nav class="tks-nav" aria-label="{tk:msg('nav.label')}">
        <ul>
          <xsl:for-each select="$nav?*">
            <li>
              <a href="{$site-root}{?1}">
                <xsl:if test="?1 = $site-page">
                  <xsl:attribute name="aria-current" select="'page'"/>
                </xsl:if>
                <xsl:value-of select="?2"/>
              </a>
            </li>
          </xsl:for-each>
        </ul>
      </nav>
    </xsl:if>
    <xsl:if test="$site-search ne ''">
      <form class="tks-quicksearch" role="search" action="{$site-root}{$site-search}" method="get">
        <label for="tks-quick-q" class="tk-visually-hidden">
          <xsl:value-of select="tk:msg('quicksearch.label')"/>
        </label>
        <input type="search" name="q" id="tks-quick-q"
            placeholder="{tk:msg('quicksearch.placeholder')}"/>
        <button type="submit"><xsl:value-of select="tk:msg('quicksearch.button')"/></button>
      </form>
    </xsl:if>
  </xsl:template>

  <!-- Links to other TEI files lead to the page the site gave the file, and
       nowhere when the file is not a document of the site: no link to a page
       that is not written. Other links are as written. -->
  <xsl:function name="tk:href" as="xs:string?">
    <xsl:param name="attribute" as="attribute()?"/>
    <xsl:variable name="url" as="xs:string?" select="tk:first-url($attribute)"/>
    <xsl:sequence select="if (exists($url) and $rewrite-xml-links) then tks:site-href($url) else $url"/>
  </xsl:function>

  <xsl:function name="tks:site-href" as="xs:string?">
    <xsl:param name="url" as="xs:string"/>
    <xsl:variable name="path" as="xs:string" select="replace($url, '[#?].*$', '')"/>
    <xsl:choose>
      <xsl:when test="exists(tk:url-scheme($url)) or not(matches($path, '\.xml$', 'i'))">
        <xsl:sequence select="$url"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="base" as="xs:string" select="'http://edition.invalid/'"/>
        <xsl:variable name="file" as="xs:string?">
          <xsl:try>
            <xsl:sequence select="substring-after(string(resolve-uri($path, $base || $site-source)), $base)"/>
            <xsl:catch select="()"/>
          </xsl:try>
        </xsl:variable>
        <xsl:sequence select="if (exists($file) and map:contains($tks:pages, $file))
            then $site-root || $tks:pages($file) || substring($url, string-length($path) + 1)
            else ()"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:function>

  <!-- ========================================================= mentions -->

  <!-- A mention's anchor: its position in document order among all elements
       (tk:element-number, an accumulator's look-up: numbering every mention is
       linear, not a count per mention). -->
  <xsl:function name="tks:mention-id" as="xs:string">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="'tk-m' || tk:element-number($element)"/>
  </xsl:function>

  <!-- Every element the entity index may count as a mention (see teikit.index). -->
  <xsl:template priority="50" match="tei:persName | tei:placeName | tei:orgName | tei:title
      | tei:name | tei:rs | tei:geogName | tei:settlement | tei:country | tei:region
      | tei:bloc | tei:district | tei:eventName | tei:sp">
    <xsl:variable name="out" as="node()*">
      <xsl:next-match/>
    </xsl:variable>
    <xsl:variable name="id" as="xs:string" select="tks:mention-id(.)"/>
    <xsl:choose>
      <xsl:when test="empty($out)"/>
      <xsl:when test="count($out) = 1 and $out instance of element()">
        <xsl:for-each select="$out">
          <xsl:copy>
            <xsl:copy-of select="@* except @id"/>
            <xsl:attribute name="id" select="$id"/>
            <xsl:copy-of select="node()"/>
          </xsl:copy>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <span class="tks-mention" id="{$id}"><xsl:sequence select="$out"/></span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
