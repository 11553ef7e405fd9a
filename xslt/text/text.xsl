<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit text: text.xsl (entry point)
  ===================================
  The reading text as plain UTF-8: one block (heading, paragraph, salute,
  signature …) per paragraph, separated by blank lines; the editors' supplied
  text in ⟨angle brackets⟩, corrections applied, note markers as [n] and the notes at the
  end (notes in or between the lines and in the margin stay in the text, in
  parentheses). Register documents give one block per entry. No markup survives.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:import href="../common/common.xsl"/>

  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:strip-space elements="tei:TEI tei:text tei:front tei:body tei:back tei:div tei:opener
      tei:closer tei:list tei:listPerson tei:listPlace tei:listOrg tei:listBibl tei:listRelation
      tei:person tei:place tei:org tei:choice tei:sp tei:lg tei:table tei:row tei:castList"/>

  <!-- Print the notes after the text (true) or leave them out (false). -->
  <xsl:param name="notes" as="xs:boolean" select="true()"/>

  <!-- Blocks: elements that are neither a block nor inline pass their children on. -->
  <xsl:mode on-no-match="shallow-skip" on-multiple-match="fail" use-accumulators="#all"/>

  <!-- Inline content of one block. -->
  <xsl:mode name="tk:inline" on-no-match="text-only-copy" on-multiple-match="fail"/>

  <!-- A line break inside a block (kept through normalize-space, then made a newline). -->
  <xsl:variable name="tk:br" as="xs:string" select="'&#x2028;'"/>

  <xsl:template match="/">
    <xsl:variable name="tei" as="element(tei:TEI)" select="tk:require-tei(.)"/>
    <xsl:if test="empty(tk:title-div($tei))">
      <xsl:value-of select="tk:title($tei) || '&#10;&#10;'"/>
    </xsl:if>
    <xsl:apply-templates select="$tei/tei:text"/>
    <xsl:variable name="all-notes" as="element(tei:note)*" select="$tei/tei:text//tei:note[tk:is-listed(.)]"/>
    <xsl:if test="$notes and exists($all-notes)">
      <xsl:text>Notes&#10;&#10;</xsl:text>
      <xsl:for-each select="$all-notes">
        <xsl:value-of select="tk:block(., '[' || tk:note-marker(.) || '] ')"/>
      </xsl:for-each>
    </xsl:if>
  </xsl:template>

  <!-- One block: its inline text, whitespace-normalised, then a blank line. -->
  <xsl:function name="tk:block" as="xs:string">
    <xsl:param name="element" as="element()"/>
    <xsl:param name="prefix" as="xs:string"/>
    <xsl:variable name="parts" as="xs:string*">
      <xsl:apply-templates select="$element/node()" mode="tk:inline"/>
    </xsl:variable>
    <xsl:variable name="text" as="xs:string"
        select="replace(normalize-space(string-join($parts, '')), ' ?' || $tk:br || ' ?', '&#10;')"/>
    <xsl:sequence select="if ($text) then $prefix || $text || '&#10;&#10;' else ''"/>
  </xsl:function>

  <xsl:template match="tei:teiHeader"/>

  <xsl:template match="tei:p | tei:ab | tei:head | tei:salute | tei:signed | tei:dateline
      | tei:byline | tei:docAuthor | tei:docDate | tei:trailer | tei:item | tei:l
      | (tei:opener | tei:closer)/tei:seg | tei:speaker | tei:stage[tk:is-block(.)] | tei:castItem
      | tei:docTitle | tei:label[not(following-sibling::*[1][self::tei:item])] | tei:cell">
    <xsl:value-of select="tk:block(., '')"/>
  </xsl:template>

  <xsl:template match="tei:milestone[@unit = 'section']">
    <xsl:value-of select="(normalize-space(@rend)[. ne ''], '* * *')[1] || '&#10;&#10;'"/>
  </xsl:template>

  <xsl:template match="text()[normalize-space()]">
    <xsl:value-of select="normalize-space(.) || '&#10;&#10;'"/>
  </xsl:template>

  <!-- Register entries: "Name (dates). Occupation. Note." -->
  <xsl:template match="tei:person | tei:place | tei:org | tei:listBibl/tei:bibl">
    <xsl:variable name="dates" as="xs:string?" select="tk:entity-dates(.)"/>
    <xsl:value-of select="string-join((
        tk:entity-name(.) || (if ($dates) then ' (' || $dates || ')' else ''),
        (tei:occupation | tei:note) ! normalize-space(string-join(.//text(), ''))), '. ')
        || '&#10;&#10;'"/>
  </xsl:template>

  <xsl:template match="tei:relation">
    <xsl:value-of select="tk:block((tei:desc, .)[1], '')"/>
  </xsl:template>

  <!-- ============================================================ inline -->

  <xsl:template match="text()" mode="tk:inline">
    <xsl:value-of select="tk:squash(.)"/>
  </xsl:template>

  <!-- The notes listed after the text leave their marker (as on the page); the
       others (in or between the lines, in the margin) stay where they are, in
       parentheses. -->
  <xsl:template match="tei:note[tk:is-listed(.)]" mode="tk:inline">
    <xsl:value-of select="'[' || tk:note-marker(.) || ']'"/>
  </xsl:template>

  <xsl:template match="tei:note" mode="tk:inline">
    <xsl:text> (</xsl:text>
    <xsl:apply-templates mode="tk:inline"/>
    <xsl:text>)</xsl:text>
  </xsl:template>

  <xsl:template match="tei:supplied" mode="tk:inline">
    <xsl:text>⟨</xsl:text>
    <xsl:apply-templates mode="tk:inline"/>
    <xsl:text>⟩</xsl:text>
  </xsl:template>

  <xsl:template match="tei:choice" mode="tk:inline">
    <xsl:apply-templates mode="tk:inline"
        select="(tei:corr | tei:reg | tei:expan, *)[1]/node()"/>
  </xsl:template>

  <xsl:template match="tei:gap" mode="tk:inline">
    <xsl:text>[…]</xsl:text>
  </xsl:template>

  <xsl:template match="tei:del" mode="tk:inline"/>

  <!-- Space left in the source keeps the words around it apart. -->
  <xsl:template match="tei:space" mode="tk:inline">
    <xsl:value-of select="if (@dim = 'vertical') then $tk:br else ' '"/>
  </xsl:template>

  <xsl:template match="tei:label[following-sibling::*[1][self::tei:item]]"/>

  <!-- An item with a nested list: its own text, then the list. -->
  <xsl:template match="tei:item[tei:list]" priority="2">
    <xsl:variable name="own" as="node()*" select="node() except tei:list"/>
    <xsl:variable name="parts" as="xs:string*">
      <xsl:apply-templates select="$own" mode="tk:inline"/>
    </xsl:variable>
    <xsl:value-of select="normalize-space(string-join($parts, '')) ! (if (. ne '') then . || '&#10;&#10;' else '')"/>
    <xsl:apply-templates select="tei:list"/>
  </xsl:template>

  <!-- Items, cells and lines run on inside a paragraph are kept apart. -->
  <xsl:template match="tei:item | tei:cell | tei:l | tei:row" mode="tk:inline">
    <xsl:if test="preceding-sibling::*"><xsl:text> </xsl:text></xsl:if>
    <xsl:apply-templates mode="tk:inline"/>
  </xsl:template>

  <!-- A gloss list's label goes with its item. -->
  <xsl:template match="tei:item[preceding-sibling::*[1][self::tei:label]]" priority="1">
    <xsl:value-of select="tk:block(., tk:text(preceding-sibling::*[1]) || ' ')"/>
  </xsl:template>

  <xsl:template match="tei:lb" mode="tk:inline">
    <xsl:value-of select="$tk:br"/>
  </xsl:template>

</xsl:stylesheet>
