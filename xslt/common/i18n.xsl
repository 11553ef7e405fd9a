<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit common layer: i18n.xsl
  =============================
  The interface's words in the reader's language. The strings live in one
  message catalog per language, i18n/<lang>.json beside this file, which the
  site's own pages (teikit.site.i18n) and its search (search.js, through the
  search index) read too: one home for every string.

    tk:msg('notes.heading')          "Notes" / "Anmerkungen"
    tk:msg('section.persons')        a key the catalog lacks falls back to English,
                                     then to the key itself
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tk="https://teikit.org/ns/xslt"
    xmlns:map="http://www.w3.org/2005/xpath-functions/map"
    exclude-result-prefixes="#all">

  <!-- The language of the interface (a BCP 47 tag; teikit has catalogs for en and de);
       default: English. teikit passes the site's language. -->
  <xsl:param name="ui-lang" as="xs:string" select="'en'"/>

  <!-- The catalog of a language (primary subtag), or () when there is none. -->
  <xsl:function name="tk:catalog" as="map(*)?">
    <xsl:param name="lang" as="xs:string"/>
    <xsl:variable name="primary" as="xs:string" select="lower-case(tokenize($lang, '[-_]')[1])"/>
    <xsl:variable name="uri" as="xs:string"
        select="resolve-uri('i18n/' || $primary || '.json', static-base-uri())"/>
    <xsl:sequence select="if (matches($primary, '^[a-z]{2,3}$') and unparsed-text-available($uri))
        then json-doc($uri) else ()"/>
  </xsl:function>

  <!-- The strings of $ui-lang over English ones. -->
  <xsl:variable name="tk:strings" as="map(*)"
      select="map:merge((tk:catalog($ui-lang), tk:catalog('en')), map {'duplicates': 'use-first'})"/>

  <!-- The string for $key in the interface's language. -->
  <xsl:function name="tk:msg" as="xs:string">
    <xsl:param name="key" as="xs:string"/>
    <xsl:sequence select="string(($tk:strings($key), $key)[1])"/>
  </xsl:function>

  <!-- The string for $key with its {name}s filled in: tk:msg('pb.title', map {'n': '3'}). -->
  <xsl:function name="tk:msg" as="xs:string">
    <xsl:param name="key" as="xs:string"/>
    <xsl:param name="values" as="map(xs:string, xs:string)"/>
    <xsl:sequence select="fold-left(map:keys($values), tk:msg($key),
        function ($text, $name) { replace($text, '{' || $name || '}', $values($name), 'q') })"/>
  </xsl:function>

</xsl:stylesheet>
