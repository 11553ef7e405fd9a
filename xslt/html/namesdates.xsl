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
      'persons': (tk:msg('section.persons'), 'listPerson', $persons-page),
      'places': (tk:msg('section.places'), 'listPlace', $places-page),
      'organisations': (tk:msg('section.organisations'), 'listOrg', $organisations-page),
      'works': (tk:msg('section.works'), 'listBibl', $works-page),
      'events': (tk:msg('section.events'), 'listEvent', $events-page),
      'terms': (tk:msg('section.terms'), 'taxonomy', $terms-page)}"/>

  <xsl:variable name="tk:section-order" as="xs:string+"
      select="('persons', 'places', 'organisations', 'works', 'events', 'terms')"/>

  <!-- ========================================================== mentions -->

  <!-- Register page by entry kind. -->
  <xsl:variable name="tk:kind-pages" as="map(xs:string, xs:string)" select="map {
      'person': $persons-page, 'place': $places-page,
      'organisation': $organisations-page, 'work': $works-page, 'event': $events-page,
      'term': $terms-page}"/>

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

  <!-- Where a mention links to, given its record: the entry on this page when
       the document lists it itself (back, standOff), else the register entry,
       or an absolute http(s) URL, or (). -->
  <xsl:function name="tk:target" as="xs:string?">
    <xsl:param name="mention" as="element()"/>
    <xsl:param name="record" as="map(xs:string, xs:string)?"/>
    <xsl:param name="local" as="element()?"/>
    <xsl:variable name="ref" as="xs:string" select="string(tokenize(normalize-space($mention/@ref), ' ')[1])"/>
    <xsl:sequence select="if (exists($local)) then '#' || tk:safe-id($local/@xml:id)
        else if (exists($record)) then tk:record-href($record)
        else if (tk:url-scheme($ref) = ('http', 'https')) then $ref else ()"/>
  </xsl:function>

  <!-- The entry of the page's own lists a mention names, when the page shows it. -->
  <xsl:function name="tk:shown-entry" as="element()?">
    <xsl:param name="mention" as="element()"/>
    <xsl:sequence select="tk:local-entry(($mention/@ref, $mention/@key)[1], $mention)[tk:shown-here(.)]"/>
  </xsl:function>

  <!-- Is this entry shown on its document's page (not on a register page)? -->
  <xsl:function name="tk:shown-here" as="xs:boolean">
    <xsl:param name="entry" as="element()"/>
    <xsl:sequence select="exists($entry/ancestor::*[self::tei:back or self::tei:standOff or self::tei:front])
        or tk:kind($entry/ancestor::tei:TEI[1]) ne 'register'"/>
  </xsl:function>

  <!-- Where a mention links to: its register entry, or an absolute http(s) URL, or (). -->
  <xsl:function name="tk:mention-target" as="xs:string?">
    <xsl:param name="mention" as="element()"/>
    <xsl:sequence select="tk:target($mention, tk:mention-record($mention), tk:shown-entry($mention))"/>
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
    <!-- Does the document have lists of its own (tk:has-own-lists)? Given by the page. -->
    <xsl:param name="tk:own-lists" as="xs:boolean" select="true()" tunnel="yes"/>
    <!-- The record is looked up once: this template runs for every mention. -->
    <xsl:variable name="record" as="map(xs:string, xs:string)?" select="tk:mention-record(.)"/>
    <xsl:variable name="target" as="xs:string?"
        select="tk:target(., $record, if ($tk:own-lists) then tk:shown-entry(.) else ())"/>
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

  <!-- Names without a link keep their language; name parts the source runs
       together are kept apart. -->
  <xsl:template match="tei:persName | tei:placeName | tei:orgName | tei:name | tei:rs
      | tei:forename | tei:surname | tei:addName | tei:roleName | tei:genName | tei:nameLink
      | tei:settlement | tei:country | tei:region | tei:geogName">
    <xsl:if test="tk:is-name-part(.) and tk:needs-space(.)"><xsl:text> </xsl:text></xsl:if>
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

  <!-- The entries of a register section: the children of its lists, and every
       category of a taxonomy (categories nest). -->
  <xsl:function name="tk:section-entries" as="element()*">
    <xsl:param name="lists-in" as="element()*"/>
    <xsl:param name="section" as="xs:string"/>
    <xsl:variable name="list" as="xs:string" select="$tk:sections($section)[2]"/>
    <xsl:sequence select="if ($list = 'taxonomy') then $lists-in//tei:taxonomy//tei:category[@xml:id]
        else $lists-in//*[local-name() = $list]/*[@xml:id]"/>
  </xsl:function>

  <xsl:template match="tei:TEI" mode="tk:register">
    <xsl:if test="$register-section ne '' and not(map:contains($tk:sections, $register-section))">
      <xsl:sequence select="tk:fail('unknown-section', 'register-section must be one of '
          || string-join(('''''', $tk:section-order), ', ') || ', not ''' || $register-section || '''')"/>
    </xsl:if>
    <!-- the lists: in the text and standOff; a taxonomy also in the header's classDecl -->
    <xsl:variable name="body" as="element()*" select="tei:text/(tei:front | tei:body | tei:back)
        | tei:standOff | tei:teiHeader/tei:encodingDesc/tei:classDecl"/>
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
      <nav class="tk-register-nav" aria-label="{tk:msg('register.nav')}">
        <ul>
          <xsl:for-each select="$present">
            <xsl:variable name="count" as="xs:integer"
                select="count(tk:section-entries($body, current()))"/>
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
              select="tk:section-entries($body, $register-section)"/>
        </div>
        <xsl:apply-templates mode="tk:register"
            select="$body//*[local-name() = $tk:sections($register-section)[2]]/tei:listRelation"/>
      </xsl:if>
    </article>
  </xsl:template>

  <!-- An entry of a register or of a document's own lists (back, standOff):
       its name as heading (h2 on register pages, one level below its list's
       heading elsewhere), then what is known of it, each fact labelled. -->
  <xsl:template match="*[tk:is-entry(.)]" mode="tk:register">
    <xsl:param name="level" as="xs:integer" select="2" tunnel="yes"/>
    <xsl:variable name="main" as="xs:string" select="tk:entity-name(.)"/>
    <section class="tk-entry tk-entry-{tk:entity-kind(.)}">
      <xsl:if test="@xml:id">
        <xsl:attribute name="id" select="tk:safe-id(@xml:id)"/>
      </xsl:if>
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:element name="h{min(($level, 6))}">
        <xsl:value-of select="$main"/>
      </xsl:element>
      <xsl:variable name="facts" as="element()*">
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="tk:msg('fact.dates')"/>
          <xsl:with-param name="content" select="tk:entity-dates(.)"/>
        </xsl:call-template>
        <xsl:for-each select="tei:birth | tei:death">
          <xsl:call-template name="tk:fact">
            <xsl:with-param name="label" select="tk:msg(if (self::tei:birth) then 'fact.born' else 'fact.died')"/>
            <xsl:with-param name="content" select="string-join((
                (tei:date, .[not(tei:date)][not(tei:placeName | tei:settlement)])[1] ! tk:text(.),
                (.//tei:placeName, tei:settlement)[1] ! tk:name-text(.))[. ne ''], ', ')"/>
          </xsl:call-template>
        </xsl:for-each>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="tk:msg('fact.in')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:for-each select="tk:container-titles(.)">
              <xsl:if test="position() gt 1">; </xsl:if>
              <xsl:apply-templates select="."/>
            </xsl:for-each>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="tk:msg('fact.aka')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:for-each-group select="((tei:persName | tei:placeName | tei:orgName | tei:title
                | tei:name) except tk:container-titles(.))[tk:name-text(.) ne $main][not(tk:is-url(tk:name-text(.)))]"
                group-by="tk:name-text(.)">
              <xsl:if test="position() gt 1">; </xsl:if>
              <span>
                <xsl:call-template name="tk:lang-attribute"/>
                <xsl:value-of select="current-grouping-key()"/>
              </span>
            </xsl:for-each-group>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="tk:msg('fact.author')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:call-template name="tk:name-list">
              <xsl:with-param name="names" select="tei:author | tei:editor"/>
            </xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:for-each select="tei:occupation | tei:affiliation | tei:edition | tei:publisher
            | tei:pubPlace | tei:date | tei:biblScope">
          <xsl:call-template name="tk:fact">
            <xsl:with-param name="label" select="tk:msg('fact.' || local-name())"/>
            <xsl:with-param name="content" as="node()*"><xsl:apply-templates/></xsl:with-param>
          </xsl:call-template>
        </xsl:for-each>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="tk:msg('fact.place')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:apply-templates select="self::tei:event/(tei:placeName | tei:location/tei:placeName)[1]"/>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="tk:msg('fact.located')"/>
          <xsl:with-param name="content" select="string-join(distinct-values(
              tei:location//tei:placeName ! tk:name-text(.)), '; ')"/>
        </xsl:call-template>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="tk:msg('fact.coordinates')"/>
          <xsl:with-param name="content" select="(tei:location//tei:geo)[1] ! normalize-space(.)"/>
        </xsl:call-template>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="tk:msg('fact.identifiers')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:call-template name="tk:identifiers">
              <xsl:with-param name="idnos" select="tei:idno | tei:title[tk:is-url(tk:text(.))]
                  | tei:ptr[@target] | tei:ref[@target]"/>
            </xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="tk:fact">
          <xsl:with-param name="label" select="tk:msg('fact.image')"/>
          <xsl:with-param name="content" as="node()*">
            <xsl:apply-templates select="tei:figure/tei:graphic | tei:graphic"/>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:variable>
      <xsl:if test="exists($facts)">
        <dl class="tk-entry-facts">
          <xsl:sequence select="$facts"/>
        </dl>
      </xsl:if>
      <xsl:for-each select="tei:note | tei:desc[normalize-space()] | tei:p">
        <p class="tk-entry-note"><xsl:apply-templates/></p>
      </xsl:for-each>
    </section>
  </xsl:template>

  <!-- Identifiers of an entry: links (labelled by type, or by host) when they
       are URLs, text otherwise; each once. -->
  <xsl:template name="tk:identifiers">
    <xsl:param name="idnos" as="node()*"/>
    <xsl:for-each-group select="$idnos" group-by="normalize-space((@target, .)[1])">
      <xsl:variable name="value" as="xs:string" select="current-grouping-key()"/>
      <xsl:variable name="url" as="xs:string?" select="if (tk:is-url($value))
          then tk:safe-url($value, (@target, .)[1]) else ()"/>
      <xsl:if test="position() gt 1">, </xsl:if>
      <xsl:choose>
        <xsl:when test="exists($url)">
          <a class="tk-idno" href="{$url}">
            <xsl:value-of select="(if (self::tei:title) then () else normalize-space(@type)[. ne ''],
                replace($url, '^[a-z]+://(www\.)?([^/]+).*$', '$2'))[1]"/>
          </a>
        </xsl:when>
        <xsl:otherwise>
          <span class="tk-idno">
            <xsl:if test="@type"><xsl:value-of select="normalize-space(@type)"/>: </xsl:if>
            <xsl:value-of select="$value"/>
          </span>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:for-each-group>
  </xsl:template>

  <!-- ====================================== lists in a document's back and standOff -->

  <!-- Lists of persons, places, organisations, works, events in a document
       (usually in <back> or <standOff>): one section each, with a heading
       (the list's own head, else the kind of entry) and one entry per item,
       with the ids that the document's mentions ("#pmb123") link to. -->
  <xsl:template match="tei:listPerson | tei:listPlace | tei:listOrg | tei:listBibl | tei:listEvent
      | tei:listObject | tei:listNym">
    <xsl:param name="level" as="xs:integer" select="tk:section-level(.)" tunnel="yes"/>
    <xsl:variable name="entries" as="element()*" select="*[tk:is-entry(.)]"/>
    <section>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-entries tk-' || local-name()"/>
      </xsl:call-template>
      <xsl:element name="h{min(($level, 6))}">
        <xsl:choose>
          <xsl:when test="tei:head"><xsl:apply-templates select="tei:head[1]/node()"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="tk:list-heading(.)"/></xsl:otherwise>
        </xsl:choose>
      </xsl:element>
      <xsl:apply-templates select="$entries" mode="tk:register">
        <xsl:with-param name="level" select="$level + 1" tunnel="yes"/>
      </xsl:apply-templates>
      <xsl:apply-templates select="* except ($entries | tei:head[1])">
        <xsl:with-param name="level" select="$level + 1" tunnel="yes"/>
      </xsl:apply-templates>
    </section>
  </xsl:template>

  <xsl:template match="tei:listRelation">
    <xsl:param name="level" as="xs:integer" select="tk:section-level(.)" tunnel="yes"/>
    <section class="tk-relations">
      <xsl:element name="h{min(($level, 6))}">
        <xsl:value-of select="(tk:text(tei:head[1])[. ne ''], tk:msg('fact.relations'))[1]"/>
      </xsl:element>
      <ul>
        <xsl:for-each select="tei:relation">
          <li><xsl:call-template name="tk:relation"/></li>
        </xsl:for-each>
      </ul>
    </section>
  </xsl:template>

  <!-- A relation: its description, else "name: active → passive" (links for URLs). -->
  <xsl:template name="tk:relation">
    <xsl:choose>
      <xsl:when test="tei:desc[normalize-space()]"><xsl:apply-templates select="tei:desc[1]/node()"/></xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="string-join((@name, @type)[normalize-space()], ' ')"/>
        <xsl:for-each select="(@active, @mutual, @passive)[normalize-space()]">
          <xsl:value-of select="if (position() = 1) then ': ' else ' → '"/>
          <xsl:variable name="attribute" as="attribute()" select="."/>
          <xsl:for-each select="tokenize(normalize-space(.), ' ')">
            <xsl:variable name="entry" as="element()?" select="tk:local-entry(., $attribute)"/>
            <xsl:if test="position() gt 1">, </xsl:if>
            <xsl:choose>
              <xsl:when test="exists($entry)">
                <a class="tk-entity" href="#{tk:safe-id($entry/@xml:id)}"><xsl:value-of select="tk:entity-name($entry)"/></a>
              </xsl:when>
              <xsl:when test="tk:is-url(.)">
                <a class="tk-idno" href="{tk:safe-url(., $attribute)}">
                  <xsl:value-of select="replace(., '^[a-z]+://(www\.)?([^/]+).*$', '$2')"/>
                </a>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
            </xsl:choose>
          </xsl:for-each>
        </xsl:for-each>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Heading level of a list section: one below the enclosing division's heading. -->
  <xsl:function name="tk:section-level" as="xs:integer">
    <xsl:param name="list" as="element()"/>
    <xsl:sequence select="max((2, min((6, count($list/ancestor::*[self::tei:div or self::tei:div1
        or self::tei:div2 or self::tei:div3 or self::tei:div4 or self::tei:div5 or self::tei:div6
        or self::tei:div7 or self::tei:listPerson or self::tei:listPlace or self::tei:listOrg
        or self::tei:listBibl or self::tei:listEvent]) + 2))))"/>
  </xsl:function>

  <!-- Elements under the document's own lists that are rendered as entries. -->
  <xsl:template match="tei:standOff">
    <div class="tk-standoff">
      <xsl:apply-templates/>
    </div>
  </xsl:template>

  <xsl:template match="tei:listRelation" mode="tk:register">
    <section class="tk-relations">
      <h2><xsl:value-of select="tk:msg('fact.relations')"/></h2>
      <ul>
        <xsl:for-each select="tei:relation">
          <li><xsl:call-template name="tk:relation"/></li>
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
