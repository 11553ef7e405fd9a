<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: namesdates.xsl (TEI chapter "Names, Dates, People, and Places")
  ============================================================================
  1. Mentions print as text. In the edition PDF, names whose register entry
     is printed link to it (#link to the entry's label); absolute http(s)
     @ref values naming no entry link out (entries as teikit's edition model
     resolved them, $entities). Unresolvable or unsafe @ref values are reported
     (tk:unresolved-ref, tk:unsafe-url) and print as text.
  2. The registers (mode tk:register): persons, places, organisations and
     works, each a level-2 heading (a bookmark) with one entry per item.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- Register lists that are printed, in order, with their headings. -->
  <xsl:variable name="tk:register-lists" as="xs:string+"
      select="('listPerson', 'listPlace', 'listOrg', 'listBibl')"/>
  <xsl:variable name="tk:register-headings" as="xs:string+"
      select="('Persons', 'Places', 'Organisations', 'Works')"/>

  <!-- Is this entry printed in the edition's registers (so it has a label)? -->
  <xsl:function name="tk:printed-entry" as="xs:boolean">
    <xsl:param name="entry" as="element()?"/>
    <xsl:sequence select="$print-registers and exists($tk:register) and exists($entry)
        and root($entry) is $tk:register and exists($entry/@xml:id)
        and local-name($entry/..) = $tk:register-lists and exists($entry/ancestor::tei:body)"/>
  </xsl:function>

  <xsl:template match="(tei:persName | tei:placeName | tei:orgName | tei:name | tei:rs | tei:title)[@ref or @key]"
      priority="1">
    <xsl:param name="edition" as="xs:boolean" select="false()" tunnel="yes"/>
    <xsl:variable name="entry" as="element()?" select="tk:mention-entry(.)"/>
    <xsl:variable name="ref" as="xs:string" select="string(tokenize(normalize-space(@ref), ' ')[1])"/>
    <xsl:variable name="nested" as="xs:boolean"
        select="exists(ancestor::*[@ref or @key or self::tei:ref] | .//(tei:note | tei:ref | tei:ptr))"/>
    <xsl:choose>
      <xsl:when test="$edition and not($nested) and tk:printed-entry($entry)">
        <xsl:text>#link(&lt;</xsl:text>
        <xsl:value-of select="tk:typst-label('reg-' || $entry/@xml:id)"/>
        <xsl:text>&gt;)[</xsl:text>
        <xsl:next-match/>
        <xsl:text>]</xsl:text>
      </xsl:when>
      <xsl:when test="empty($entry) and not($nested) and tk:url-scheme($ref) = ('http', 'https')">
        <xsl:text>#link(</xsl:text>
        <xsl:value-of select="tk:typst-string($ref)"/>
        <xsl:text>)[</xsl:text>
        <xsl:next-match/>
        <xsl:text>]</xsl:text>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="tk:check-ref"/>
        <xsl:next-match/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Names keep their language (hyphenation, quotes). -->
  <xsl:template match="tei:persName | tei:placeName | tei:orgName | tei:name | tei:rs">
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
  </xsl:template>

  <!-- ========================================================= registers -->

  <xsl:template match="tei:TEI" mode="tk:register">
    <xsl:variable name="body" as="element(tei:body)?" select="tei:text/tei:body"/>
    <xsl:for-each select="$tk:register-lists">
      <xsl:variable name="i" as="xs:integer" select="position()"/>
      <xsl:variable name="entries" as="element()*"
          select="$body//*[local-name() = current()]/*[@xml:id]"/>
      <xsl:if test="exists($entries)">
        <xsl:text>&#10;#heading(level: 2)[</xsl:text>
        <xsl:value-of select="$tk:register-headings[$i]"/>
        <xsl:text>]&#10;</xsl:text>
        <xsl:apply-templates select="$entries" mode="tk:register"/>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="(tei:listPerson | tei:listPlace | tei:listOrg | tei:listBibl)/*[@xml:id]"
      mode="tk:register">
    <xsl:variable name="main" as="xs:string" select="tk:entity-name(.)"/>
    <xsl:variable name="variants" as="xs:string*" select="distinct-values(
        (tei:persName | tei:placeName | tei:orgName) ! normalize-space(string-join(.//text(), ''))
        [. ne $main])"/>
    <xsl:text>&#10;#heading(level: 3, outlined: false, bookmarked: false)[</xsl:text>
    <xsl:value-of select="tk:typst-escape($main)"/>
    <xsl:text>] &lt;</xsl:text>
    <xsl:value-of select="tk:typst-label('reg-' || @xml:id)"/>
    <xsl:text>&gt;&#10;#tk-entry[</xsl:text>
    <xsl:value-of select="string-join((
        tk:entity-dates(.),
        (tei:occupation | tei:edition | tei:date | tei:pubPlace | tei:publisher) ! tk:plain(.),
        if (exists($variants)) then 'Also: ' || string-join($variants, '; ') else (),
        tei:note ! tk:plain(node())) ! tk:typst-escape(.), '. ')"/>
    <xsl:text>]&#10;</xsl:text>
  </xsl:template>

</xsl:stylesheet>
