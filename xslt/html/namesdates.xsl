<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: namesdates.xsl (TEI chapter "Names, Dates, People, and Places")
  ===========================================================================
  1. Mentions: persName, placeName, orgName, name, rs and title with @ref or
     @key become links to their register entry ($site-root + persons-page#id …),
     the entry teikit's edition model resolved them to ($entities), with the
     entry's short description (its <note>) as tooltip; @ref values that are
     absolute http(s) URLs naming no entry link out; anything else is not
     linked (tk:unresolved-ref, tk:unsafe-url warnings).
  2. Register pages (mode tk:register): one page per section of the register
     document (persons, places, organisations, works) and an index page.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    xmlns:map="http://www.w3.org/2005/xpath-functions/map"
    exclude-result-prefixes="#all">

  <!-- Register sections: name => [heading, list element name, page parameter]. -->
  <xsl:variable name="tk:sections" as="map(xs:string, xs:string+)" select="map {
      'persons': ('Persons', 'listPerson', $persons-page),
      'places': ('Places', 'listPlace', $places-page),
      'organisations': ('Organisations', 'listOrg', $organisations-page),
      'works': ('Works', 'listBibl', $works-page)}"/>

  <xsl:variable name="tk:section-order" as="xs:string+"
      select="('persons', 'places', 'organisations', 'works')"/>

  <!-- ========================================================== mentions -->

  <!-- Register page by entry kind. -->
  <xsl:variable name="tk:kind-pages" as="map(xs:string, xs:string)" select="map {
      'person': $persons-page, 'place': $places-page,
      'organisation': $organisations-page, 'work': $works-page}"/>

  <!-- The href of a register entry, given its record (see tk:entry-record). -->
  <xsl:function name="tk:record-href" as="xs:string">
    <xsl:param name="record" as="map(xs:string, xs:string)"/>
    <xsl:sequence select="$site-root || ($tk:kind-pages($record?kind), $register-page)[1]
        || '#' || $record?id"/>
  </xsl:function>

  <!-- The href of a register entry. -->
  <xsl:function name="tk:entity-href" as="xs:string">
    <xsl:param name="entry" as="element()"/>
    <xsl:sequence select="tk:record-href(tk:entry-record($entry))"/>
  </xsl:function>

  <!-- Where a mention links to, given its record: the register entry, or an
       absolute http(s) URL, or (). -->
  <xsl:function name="tk:target" as="xs:string?">
    <xsl:param name="mention" as="element()"/>
    <xsl:param name="record" as="map(xs:string, xs:string)?"/>
    <xsl:variable name="ref" as="xs:string" select="string(tokenize(normalize-space($mention/@ref), ' ')[1])"/>
    <xsl:sequence select="if (exists($record)) then tk:record-href($record)
        else if (tk:url-scheme($ref) = ('http', 'https')) then $ref else ()"/>
  </xsl:function>

  <!-- Where a mention links to: its register entry, or an absolute http(s) URL, or (). -->
  <xsl:function name="tk:mention-target" as="xs:string?">
    <xsl:param name="mention" as="element()"/>
    <xsl:sequence select="tk:target($mention, tk:mention-record($mention))"/>
  </xsl:function>

  <!-- May this mention become a link? Never inside another link, never around a note marker. -->
  <xsl:function name="tk:may-link" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="exists($element[@ref or @key][self::tei:persName or self::tei:placeName
            or self::tei:orgName or self::tei:name or self::tei:rs or self::tei:title])
        and empty($element/ancestor::tei:ref[@target])
        and empty($element/ancestor::*[@ref or @key][tk:links(.)])
        and empty($element//(tei:note | tei:ref | tei:ptr))"/>
  </xsl:function>

  <!-- Does this element become a link? -->
  <xsl:function name="tk:links" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="tk:may-link($element) and exists(tk:mention-target($element))"/>
  </xsl:function>

  <xsl:template match="(tei:persName | tei:placeName | tei:orgName | tei:name | tei:rs | tei:title)[@ref or @key]"
      priority="1">
    <!-- The record is looked up once: this template runs for every mention. -->
    <xsl:variable name="record" as="map(xs:string, xs:string)?" select="tk:mention-record(.)"/>
    <xsl:variable name="target" as="xs:string?" select="tk:target(., $record)"/>
    <xsl:choose>
      <xsl:when test="exists($target) and tk:may-link(.)">
        <a href="{$target}" class="tk-entity tk-{($record?kind, 'external')[1]}">
          <xsl:if test="exists($record)">
            <xsl:attribute name="title" select="($record?note[. ne ''], $record?name)[1]"/>
          </xsl:if>
          <xsl:call-template name="tk:lang-attribute"/>
          <xsl:next-match/>
        </a>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="tk:check-ref"/>
        <xsl:next-match/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Names without a link keep their language. -->
  <xsl:template match="tei:persName | tei:placeName | tei:orgName | tei:name | tei:rs
      | tei:forename | tei:surname | tei:addName | tei:roleName | tei:settlement
      | tei:country | tei:region | tei:geogName">
    <xsl:choose>
      <xsl:when test="@xml:lang and not((@ref or @key) and tk:links(.))">
        <span lang="{normalize-space(@xml:lang)}"><xsl:apply-templates/></span>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ==================================================== register pages -->

  <!-- The heading of a register section page, or () for the index. -->
  <xsl:function name="tk:register-heading" as="xs:string?">
    <xsl:param name="section" as="xs:string"/>
    <xsl:sequence select="if (map:contains($tk:sections, $section)) then $tk:sections($section)[1] else ()"/>
  </xsl:function>

  <xsl:template match="tei:TEI" mode="tk:register">
    <xsl:if test="$register-section ne '' and not(map:contains($tk:sections, $register-section))">
      <xsl:sequence select="tk:fail('unknown-section', 'register-section must be one of '
          || string-join(('''''', $tk:section-order), ', ') || ', not ''' || $register-section || '''')"/>
    </xsl:if>
    <xsl:variable name="body" as="element(tei:body)" select="tei:text/tei:body"/>
    <xsl:variable name="present" as="xs:string*" select="$tk:section-order[
        let $section := . return exists($body//*[local-name() = $tk:sections($section)[2]])]"/>
    <article class="tk-document tk-register">
      <xsl:call-template name="tk:lang-attribute"/>
      <header class="tk-document-header">
        <xsl:if test="$register-section ne ''">
          <p class="tk-kicker"><xsl:value-of select="tk:title(.)"/></p>
        </xsl:if>
        <h1><xsl:value-of select="tk:page-title(.)"/></h1>
      </header>
      <nav class="tk-register-nav" aria-label="Registers">
        <ul>
          <xsl:for-each select="$present">
            <xsl:variable name="count" as="xs:integer"
                select="count($body//*[local-name() = $tk:sections(current())[2]]/*[@xml:id])"/>
            <li>
              <a href="{$site-root}{$tk:sections(.)[3]}">
                <xsl:if test=". = $register-section">
                  <xsl:attribute name="aria-current" select="'page'"/>
                </xsl:if>
                <xsl:value-of select="$tk:sections(.)[1]"/>
              </a>
              <xsl:text> (</xsl:text>
              <xsl:value-of select="$count"/>
              <xsl:text>)</xsl:text>
            </li>
          </xsl:for-each>
        </ul>
      </nav>
      <xsl:if test="$register-section ne ''">
        <div class="tk-entries">
          <xsl:apply-templates mode="tk:register"
              select="$body//*[local-name() = $tk:sections($register-section)[2]]/*[@xml:id]"/>
        </div>
        <xsl:apply-templates mode="tk:register"
            select="$body//*[local-name() = $tk:sections($register-section)[2]]/tei:listRelation"/>
      </xsl:if>
    </article>
  </xsl:template>

  <xsl:template match="(tei:listPerson | tei:listPlace | tei:listOrg | tei:listBibl)/*[@xml:id]"
      mode="tk:register">
    <section class="tk-entry tk-entry-{tk:entity-kind(.)}" id="{tk:safe-id(@xml:id)}">
      <xsl:call-template name="tk:lang-attribute"/>
      <h2><xsl:value-of select="tk:entity-name(.)"/></h2>
      <dl class="tk-entry-facts">
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="'Dates'"/>
          <xsl:with-param name="content" select="tk:entity-dates(.)"/>
        </xsl:call-template>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="'Also known as'"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:variable name="main" as="xs:string" select="tk:entity-name(.)"/>
            <xsl:for-each select="(tei:persName | tei:placeName | tei:orgName)
                [normalize-space(string-join(.//text(), '')) ne $main]">
              <xsl:if test="position() gt 1">; </xsl:if>
              <span>
                <xsl:call-template name="tk:lang-attribute"/>
                <xsl:value-of select="normalize-space(string-join(.//text(), ''))"/>
              </span>
            </xsl:for-each>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:for-each select="tei:occupation | tei:affiliation | tei:edition | tei:publisher
            | tei:pubPlace | tei:date">
          <xsl:call-template name="tk:fact">
            <xsl:with-param name="label" select="map {
                'occupation': 'Occupation', 'affiliation': 'Affiliation', 'edition': 'Edition',
                'publisher': 'Publisher', 'pubPlace': 'Place', 'date': 'Date'}(local-name())"/>
            <xsl:with-param name="content" as="node()*"><xsl:apply-templates/></xsl:with-param>
          </xsl:call-template>
        </xsl:for-each>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="'Coordinates'"/>
          <xsl:with-param name="content" select="tei:location/tei:geo[1] ! normalize-space(.)"/>
        </xsl:call-template>
      </dl>
      <xsl:for-each select="tei:note">
        <p class="tk-entry-note"><xsl:apply-templates/></p>
      </xsl:for-each>
    </section>
  </xsl:template>

  <xsl:template match="tei:listRelation" mode="tk:register">
    <section class="tk-relations">
      <h2>Relations</h2>
      <ul>
        <xsl:for-each select="tei:relation">
          <li><xsl:apply-templates select="(tei:desc, @name)[1]"/></li>
        </xsl:for-each>
      </ul>
    </section>
  </xsl:template>

  <!-- One dt/dd pair, written only when there is content. -->
  <xsl:template name="tk:fact">
    <xsl:param name="label" as="xs:string"/>
    <xsl:param name="content" as="item()*"/>
    <xsl:if test="normalize-space(string-join($content ! string(.), ''))">
      <div class="tk-fact">
        <dt><xsl:value-of select="$label"/></dt>
        <dd><xsl:sequence select="$content"/></dd>
      </div>
    </xsl:if>
  </xsl:template>

</xsl:stylesheet>
