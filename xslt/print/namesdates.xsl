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
      select="('persons', 'places', 'organisations', 'works') ! tk:msg('section.' || .)"/>

  <!-- Is this entry printed in the edition's registers (so it has a label)? -->
  <xsl:function name="tk:printed-entry" as="xs:boolean">
    <xsl:param name="entry" as="element()?"/>
    <xsl:sequence select="$print-registers and exists($tk:register) and exists($entry)
        and root($entry) is $tk:register and exists($entry/@xml:id)
        and local-name($entry/..) = $tk:register-lists and exists($entry/ancestor::tei:body)"/>
  </xsl:function>

  <!-- The Typst label of an entry of a document's own lists (back, standOff),
       or () when the entry is not printed where a link can reach it. -->
  <xsl:function name="tk:local-label" as="xs:string?">
    <xsl:param name="entry" as="element()?"/>
    <xsl:sequence select="$entry[@xml:id][ancestor::tei:back or ancestor::tei:standOff]
        [not(ancestor::*[self::tei:choice or self::tei:del or self::tei:note or self::tei:app
             or self::tei:teiHeader])]
        ! tk:typst-label(tk:part-name(ancestor::tei:TEI[1]) || '--' || @xml:id)"/>
  </xsl:function>

  <xsl:template match="(tei:persName | tei:placeName | tei:orgName | tei:name | tei:rs | tei:title)[@ref or @key]"
      priority="1">
    <xsl:param name="edition" as="xs:boolean" select="false()" tunnel="yes"/>
    <xsl:variable name="entry" as="element()?" select="tk:mention-entry(.)"/>
    <xsl:variable name="ref" as="xs:string" select="string(tokenize(normalize-space(@ref), ' ')[1])"/>
    <xsl:variable name="nested" as="xs:boolean"
        select="exists(ancestor::*[@ref or @key or self::tei:ref] | .//(tei:note | tei:ref | tei:ptr))"/>
    <xsl:variable name="local" as="xs:string?" select="tk:local-label(tk:local-entry((@ref, @key)[1], .))"/>
    <xsl:choose>
      <xsl:when test="exists($local) and not($nested)">
        <xsl:text>#link(&lt;</xsl:text>
        <xsl:value-of select="$local"/>
        <xsl:text>&gt;)[</xsl:text>
        <xsl:next-match/>
        <xsl:text>]</xsl:text>
      </xsl:when>
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

  <!-- Name parts the source runs together are kept apart. -->
  <xsl:template match="tei:forename | tei:surname | tei:addName | tei:roleName | tei:genName | tei:nameLink">
    <xsl:if test="tk:needs-space(.)"><xsl:text> </xsl:text></xsl:if>
    <xsl:apply-templates/>
  </xsl:template>

  <!-- Names keep their language (hyphenation, quotes). -->
  <xsl:template match="tei:persName | tei:placeName | tei:orgName | tei:name | tei:rs">
    <xsl:call-template name="tk:lang-open"/>
    <xsl:apply-templates/>
    <xsl:call-template name="tk:lang-close"/>
  </xsl:template>

  <!-- ========================================================= registers -->

  <xsl:template match="tei:TEI" mode="tk:register">
    <xsl:variable name="body" as="element(tei:body)*" select="tei:text/tei:body"/>
    <xsl:for-each select="$tk:register-lists">
      <xsl:variable name="i" as="xs:integer" select="position()"/>
      <xsl:variable name="entries" as="element()*"
          select="$body//*[local-name() = current()]/*[@xml:id]"/>
      <xsl:if test="exists($entries)">
        <xsl:text>&#10;#heading(level: 2)[</xsl:text>
        <xsl:value-of select="$tk:register-headings[$i]"/>
        <xsl:text>]&#10;</xsl:text>
        <!-- nothing is open around an entry here: a part may begin at each -->
        <xsl:for-each select="$entries">
          <xsl:call-template name="tk:part-break">
            <xsl:with-param name="where" select="$body[1]"/>
          </xsl:call-template>
          <xsl:apply-templates select="." mode="tk:register"/>
        </xsl:for-each>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>

  <!-- An entry: its name as an unnumbered heading with a label (the target of
       the mentions' links), then its dates and facts in one paragraph. -->
  <xsl:template match="*[tk:is-entry(.)]" mode="tk:register">
    <xsl:param name="label" as="xs:string?" select="@xml:id ! tk:typst-label('reg-' || .)" tunnel="yes"/>
    <xsl:variable name="main" as="xs:string" select="tk:entity-name(.)"/>
    <xsl:variable name="variants" as="xs:string*" select="distinct-values(
        ((tei:persName | tei:placeName | tei:orgName | tei:title | tei:name) except tk:container-titles(.))
        ! tk:name-text(.)[. ne $main][not(tk:is-url(.))])"/>
    <xsl:text>&#10;#heading(level: 3, outlined: false, bookmarked: false)[</xsl:text>
    <xsl:value-of select="tk:typst-escape($main)"/>
    <xsl:text>]</xsl:text>
    <xsl:if test="exists($label)">
      <xsl:value-of select="' &lt;' || $label || '&gt;'"/>
    </xsl:if>
    <xsl:variable name="facts" as="xs:string" select="string-join((
        tk:entity-dates(.),
        (tei:author | tei:editor) ! tk:name-text(.),
        tk:container-titles(.) ! (tk:msg('fact.in') || ' ' || tk:text(.)),
        (tei:occupation | tei:edition | tei:date | tei:pubPlace | tei:publisher | tei:biblScope) ! tk:plain(.),
        if (exists($variants)) then tk:msg('print.also') || ' ' || string-join($variants, '; ') else (),
        distinct-values(tei:location//tei:placeName ! tk:name-text(.)) ! (tk:msg('fact.in') || ' ' || .),
        (tei:note | tei:desc) ! tk:plain(node()))[normalize-space()] ! tk:typst-escape(.), '. ')"/>
    <!-- identifiers that are URLs: short links labelled by type or host, not a strip of URLs -->
    <xsl:variable name="links" as="xs:string*">
      <xsl:for-each-group select="(tei:idno, tei:title)[tk:is-url(tk:text(.))]" group-by="tk:text(.)">
        <xsl:variable name="url" as="xs:string?" select="tk:safe-url(current-grouping-key(), .)"/>
        <xsl:sequence select="$url ! ('#link(' || tk:typst-string(.) || ')['
            || tk:typst-escape((if (current()/self::tei:title) then () else normalize-space(current()/@type)[. ne ''],
                replace(., '^[a-z]+://(www\.)?([^/]+).*$', '$2'))[1]) || ']')"/>
      </xsl:for-each-group>
    </xsl:variable>
    <xsl:if test="$facts ne '' or exists($links)">
      <xsl:text>&#10;#tk-entry[</xsl:text>
      <xsl:value-of select="$facts"/>
      <xsl:if test="$facts ne '' and exists($links)">
        <xsl:value-of select="if (ends-with($facts, '\.')) then ' ' else '. '"/>
      </xsl:if>
      <xsl:value-of select="$links" separator=", "/>
      <xsl:text>]</xsl:text>
    </xsl:if>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- ======================================== a document's own lists -->

  <!-- Lists of persons, places, works … in a document's back or standOff: a
       heading (the list's head, else the kind of entry) and the entries,
       labelled per document so that its mentions can link to them. -->
  <xsl:template match="tei:listPerson | tei:listPlace | tei:listOrg | tei:listBibl | tei:listEvent
      | tei:listObject | tei:listNym">
    <xsl:variable name="entries" as="element()*" select="*[tk:is-entry(.)]"/>
    <xsl:text>&#10;#tk-head[</xsl:text>
    <xsl:choose>
      <xsl:when test="tei:head"><xsl:apply-templates select="tei:head[1]/node()"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="tk:typst-escape(tk:list-heading(.))"/></xsl:otherwise>
    </xsl:choose>
    <xsl:text>]&#10;</xsl:text>
    <xsl:for-each select="$entries">
      <xsl:apply-templates select="." mode="tk:register">
        <xsl:with-param name="label" select="tk:local-label(.)" tunnel="yes"/>
      </xsl:apply-templates>
    </xsl:for-each>
    <xsl:apply-templates select="* except ($entries | tei:head[1])"/>
  </xsl:template>

  <xsl:template match="tei:listRelation">
    <xsl:variable name="items" as="xs:string*" select="tei:relation ! (
        if (tei:desc[normalize-space()]) then tk:plain(tei:desc[1])
        else normalize-space(string-join(((@name, @type)[normalize-space()][1],
            (@active, @mutual, @passive)[normalize-space()] ! (let $where := . return
                string-join(tokenize(normalize-space(.), ' ')
                ! (tk:local-entry(., $where) ! tk:entity-name(.), .)[1], ', '))), ' ')))[. ne '']"/>
    <xsl:if test="exists($items)">
      <xsl:text>&#10;#tk-head[</xsl:text>
      <xsl:value-of select="tk:typst-escape((tk:text(tei:head[1])[. ne ''], tk:msg('fact.relations'))[1])"/>
      <xsl:text>]&#10;#list(&#10;</xsl:text>
      <xsl:value-of select="$items ! ('  [' || tk:typst-escape(.) || '],&#10;')" separator=""/>
      <xsl:text>)&#10;</xsl:text>
    </xsl:if>
  </xsl:template>

</xsl:stylesheet>
