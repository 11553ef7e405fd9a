<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: html.xsl (entry point)
  ===================================
  One HTML5 page per TEI document: letters, the introduction, the contents
  file, and the register (one page per section: persons, places,
  organisations, works, plus an index page); with $principles, the page of a
  document's editorial principles (header.xsl, mode tk:principles).

  Layout, like the TEI Stylesheets: this file declares the output, the
  parameters, the modes and the hooks; one module per TEI chapter does the work:

    core.xsl            p, hi, title, date, ref, note, list, lb, milestone …
    textstructure.xsl   TEI, text, div, head, opener/closer, salute, signed …
    namesdates.xsl      persName/placeName/orgName links, register pages
    transcr.xsl         supplied, choice (sic/corr, orig/reg, abbr/expan), gap …
    header.xsl          the metadata panel from the teiHeader
    correspondence.xsl  correspDesc: sender, addressee, previous/next letter
    drama.xsl           sp, speaker, stage, castList (performance texts)
    figures.xsl         table, figure, graphic

  Profiles: write a stylesheet that imports this one and overrides named
  hook templates (tk:hook-head, tk:hook-before-body, tk:hook-after-body,
  tk:hook-footer) or any template rule; see ../profiles/example.xsl.

  Safety: all TEI content is escaped by the serializer (nothing disables
  output escaping), URLs pass tk:safe-url, and no event-handler attribute or
  inline script is ever written. CSS and JS are local files under
  $assets-path (xslt/html/assets/ in teikit), so pages work from file://.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all"
    expand-text="no">

  <xsl:import href="../common/common.xsl"/>

  <xsl:include href="core.xsl"/>
  <xsl:include href="textstructure.xsl"/>
  <xsl:include href="namesdates.xsl"/>
  <xsl:include href="transcr.xsl"/>
  <xsl:include href="header.xsl"/>
  <xsl:include href="correspondence.xsl"/>
  <xsl:include href="drama.xsl"/>
  <xsl:include href="figures.xsl"/>

  <xsl:output method="html" html-version="5" encoding="UTF-8" indent="yes"
      include-content-type="no"/>

  <xsl:strip-space elements="tei:TEI tei:teiHeader tei:fileDesc tei:titleStmt tei:respStmt
      tei:publicationStmt tei:sourceDesc tei:msDesc tei:msIdentifier tei:msContents
      tei:profileDesc tei:correspDesc tei:correspAction tei:correspContext tei:langUsage
      tei:text tei:front tei:body tei:back tei:div tei:opener tei:closer tei:list
      tei:listPerson tei:listPlace tei:listOrg tei:listBibl tei:listRelation
      tei:person tei:place tei:org tei:location tei:choice tei:sp tei:spGrp tei:lg tei:castList
      tei:castGroup tei:table tei:row tei:figure tei:listEvent tei:event tei:standOff tei:facsimile
      tei:surface tei:subst tei:titlePage tei:docTitle tei:cit"/>

  <!-- ========================================================== parameters -->

  <!-- Folder of teikit.css and teikit.js, relative to the page. -->
  <xsl:param name="assets-path" as="xs:string" select="$site-root || 'assets/'"/>

  <!-- Register page for persons, relative to the site root. -->
  <xsl:param name="persons-page" as="xs:string" select="'persons.html'"/>

  <!-- Register page for places, relative to the site root. -->
  <xsl:param name="places-page" as="xs:string" select="'places.html'"/>

  <!-- Register page for organisations, relative to the site root. -->
  <xsl:param name="organisations-page" as="xs:string" select="'organisations.html'"/>

  <!-- Register page for works (bibliography), relative to the site root. -->
  <xsl:param name="works-page" as="xs:string" select="'works.html'"/>

  <!-- Register page for events, relative to the site root. -->
  <xsl:param name="events-page" as="xs:string" select="'events.html'"/>

  <!-- Register page for the terms of taxonomies, relative to the site root. -->
  <xsl:param name="terms-page" as="xs:string" select="'terms.html'"/>

  <!-- Register index page (and page for other entry kinds), relative to the site root. -->
  <xsl:param name="register-page" as="xs:string" select="'register.html'"/>

  <!-- Write the document as register pages ($register-section), whatever its kind
       (teikit's merged registers of an edition that keeps them in its letters). -->
  <xsl:param name="register-pages" as="xs:boolean" select="false()"/>

  <!-- For a register document: which page to write ('' index, persons, places, organisations, works, events, terms). -->
  <xsl:param name="register-section" as="xs:string" select="''"/>

  <!-- Home page of the edition, relative to the site root; '' for no link. -->
  <xsl:param name="home-page" as="xs:string" select="''"/>

  <!-- The page's Content-Security-Policy, written first in <head>; empty: none. -->
  <xsl:param name="csp" as="xs:string?" select="()"/>

  <!-- Point relative links to other TEI files (x.xml) at their pages (x.html). -->
  <xsl:param name="rewrite-xml-links" as="xs:boolean" select="true()"/>

  <!-- Write the document's editorial principles (encodingDesc: editorialDecl and the
       declared attribute values) as the page, instead of the document. -->
  <xsl:param name="principles" as="xs:boolean" select="false()"/>

  <!-- Show images from other sites in the page (true) or link to them (false: opening a page requests nothing elsewhere). -->
  <xsl:param name="remote-images" as="xs:boolean" select="false()"/>

  <!-- Show the reading/diplomatic switch when the text has editorial interventions. -->
  <xsl:param name="view-toggle" as="xs:boolean" select="true()"/>

  <!-- =============================================================== modes -->

  <!-- The text: unknown elements pass their text through. -->
  <xsl:mode on-no-match="text-only-copy" on-multiple-match="fail" use-accumulators="#all"/>

  <!-- Plain text for attributes (title=""): reading text without notes or markup. -->
  <xsl:mode name="tk:plain" on-no-match="text-only-copy" on-multiple-match="fail"/>

  <!-- The metadata panel built from the teiHeader. -->
  <xsl:mode name="tk:metadata" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- The notes section at the end of the page. -->
  <xsl:mode name="tk:notes" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- The editorial principles page. -->
  <xsl:mode name="tk:principles" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- Register pages: entries of listPerson, listPlace, listOrg, listBibl. -->
  <xsl:mode name="tk:register" on-no-match="shallow-skip" on-multiple-match="fail"/>

  <!-- ================================================================ page -->

  <xsl:template match="/">
    <xsl:variable name="tei" as="element(tei:TEI)" select="tk:require-tei(.)"/>
    <xsl:variable name="kind" as="xs:string" select="tk:kind($tei)"/>
    <xsl:if test="empty($tk:register) and exists($tei/tei:text//@ref[contains(., '#')])">
      <xsl:sequence select="tk:report('info', 'no-register',
          'no register given: names are not linked to register entries', $tei)"/>
    </xsl:if>
    <html lang="{(tk:lang($tei), $default-lang)[1]}">
      <head>
        <meta charset="utf-8"/>
        <xsl:if test="$csp">
          <!-- first: it applies to what follows it -->
          <meta http-equiv="Content-Security-Policy" content="{$csp}"/>
        </xsl:if>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>
          <xsl:value-of select="string-join((tk:page-title($tei), tk:edition-title($tei)), ' · ')"/>
        </title>
        <meta name="generator" content="teikit"/>
        <link rel="stylesheet" href="{$assets-path}teikit.css"/>
        <script src="{$assets-path}teikit.js" defer="defer"></script>
        <xsl:call-template name="tk:hook-head"/>
      </head>
      <body class="tk-page tk-kind-{$kind}">
        <a class="tk-skip-link" href="#tk-main"><xsl:value-of select="tk:msg('skip')"/></a>
        <header class="tk-site-header">
          <xsl:call-template name="tk:site-title">
            <xsl:with-param name="tei" select="$tei"/>
          </xsl:call-template>
          <xsl:call-template name="tk:hook-before-body"/>
        </header>
        <main id="tk-main" class="tk-main">
          <xsl:choose>
            <xsl:when test="$principles">
              <xsl:apply-templates select="$tei/tei:teiHeader/tei:encodingDesc" mode="tk:principles"/>
            </xsl:when>
            <xsl:when test="$kind = 'register' or $register-pages">
              <xsl:apply-templates select="$tei" mode="tk:register"/>
            </xsl:when>
            <xsl:otherwise>
              <xsl:apply-templates select="$tei">
                <xsl:with-param name="tk:own-lists" select="tk:has-own-lists($tei)" tunnel="yes"/>
              </xsl:apply-templates>
            </xsl:otherwise>
          </xsl:choose>
        </main>
        <xsl:call-template name="tk:hook-after-body"/>
        <footer class="tk-site-footer">
          <xsl:call-template name="tk:hook-footer">
            <xsl:with-param name="tei" select="$tei"/>
          </xsl:call-template>
        </footer>
      </body>
    </html>
  </xsl:template>

  <!-- The page's <title> and <h1> text for non-register pages. -->
  <xsl:function name="tk:page-title" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="if ($principles) then tk:msg('principles.title')
        else if (tk:kind($tei) = 'register' or $register-pages)
        then (tk:register-heading($register-section), tk:title($tei))[1]
        else tk:short-title($tei)"/>
  </xsl:function>

  <xsl:template name="tk:site-title">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <!-- not when it is the page's own title: it would stand twice at the top -->
    <xsl:variable name="title" as="xs:string?" select="tk:edition-title($tei)[. ne tk:page-title($tei)]"/>
    <xsl:if test="$title">
      <p class="tk-edition-title">
        <xsl:choose>
          <xsl:when test="$home-page ne '' and tk:url-is-safe($home-page)">
            <a href="{$site-root}{$home-page}"><xsl:value-of select="$title"/></a>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="$title"/></xsl:otherwise>
        </xsl:choose>
      </p>
    </xsl:if>
  </xsl:template>

  <!-- ===================================================== hook templates -->

  <!-- Extra elements at the end of <head> (meta, link). Default: none. -->
  <xsl:template name="tk:hook-head"/>

  <!-- Content at the end of the site header, before <main>. Default: none. -->
  <xsl:template name="tk:hook-before-body"/>

  <!-- Content after <main>, before the site footer. Default: none. -->
  <xsl:template name="tk:hook-after-body"/>

  <!-- Content of the site footer. Default: publisher, licence and a generator note. -->
  <xsl:template name="tk:hook-footer">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="pub" as="element(tei:publicationStmt)*"
        select="$tei/tei:teiHeader/tei:fileDesc/tei:publicationStmt"/>
    <xsl:variable name="publishers" as="element()*" select="$pub/tei:publisher[normalize-space()]"/>
    <xsl:if test="exists($publishers)">
      <p class="tk-publisher">
        <xsl:value-of select="tk:msg('footer.published')"/>
        <xsl:for-each select="$publishers">
          <xsl:if test="position() gt 1">, </xsl:if>
          <xsl:apply-templates/>
        </xsl:for-each>
        <xsl:for-each select="($pub/tei:date[normalize-space()])[1]">
          <xsl:text>, </xsl:text>
          <xsl:apply-templates select="."/>
        </xsl:for-each>
        <xsl:text>.</xsl:text>
      </p>
    </xsl:if>
    <xsl:for-each select="$pub/tei:availability/tei:licence">
      <!-- @target may list several URLs: the first is the licence's own -->
      <xsl:variable name="href" as="xs:string?" select="tk:first-url(@target)"/>
      <xsl:choose>
        <xsl:when test="tei:p | tei:ab">
          <div class="tk-licence">
            <xsl:apply-templates/>
            <xsl:if test="exists($href)">
              <p><a rel="license" href="{$href}"><xsl:value-of select="$href"/></a></p>
            </xsl:if>
          </div>
        </xsl:when>
        <xsl:otherwise>
          <p class="tk-licence">
            <xsl:choose>
              <xsl:when test="exists($href)">
                <a rel="license" href="{$href}">
                  <xsl:apply-templates/>
                  <xsl:if test="not(normalize-space())"><xsl:value-of select="$href"/></xsl:if>
                </a>
              </xsl:when>
              <xsl:otherwise><xsl:apply-templates/></xsl:otherwise>
            </xsl:choose>
          </p>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>
    <p class="tk-generator"><xsl:value-of select="tk:msg('footer.generator')"/></p>
  </xsl:template>

  <!-- ============================================================ helpers -->

  <!-- The attributes most elements share: id (from xml:id), class (the given
       classes plus tk-rend-* for @rend, @rendition and @style) and lang. -->
  <xsl:template name="tk:attributes">
    <xsl:param name="node" as="element()" select="."/>
    <xsl:param name="class" as="xs:string?" select="()"/>
    <xsl:param name="id" as="xs:boolean" select="true()"/>
    <xsl:choose>
      <!-- the common case first: nothing but the class (this runs for most elements) -->
      <xsl:when test="empty($node/(@xml:id | @rend | @style | @rendition | @xml:lang))">
        <xsl:if test="$class">
          <xsl:attribute name="class" select="$class"/>
        </xsl:if>
      </xsl:when>
      <xsl:otherwise>
        <xsl:if test="$id">
          <xsl:call-template name="tk:id-attribute">
            <xsl:with-param name="node" select="$node"/>
          </xsl:call-template>
        </xsl:if>
        <xsl:variable name="classes" as="xs:string*"
            select="($class[normalize-space()], tk:rend-tokens($node) ! ('tk-rend-' || .))"/>
        <xsl:if test="exists($classes)">
          <xsl:attribute name="class" select="string-join($classes, ' ')"/>
        </xsl:if>
        <xsl:call-template name="tk:lang-attribute">
          <xsl:with-param name="node" select="$node"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- id="" for an element with an xml:id, so that pointers to it ("#x") land. -->
  <xsl:template name="tk:id-attribute">
    <xsl:param name="node" as="element()" select="."/>
    <xsl:if test="$node/@xml:id and tk:has-anchor($node)">
      <xsl:attribute name="id" select="tk:anchor-id($node)"/>
    </xsl:if>
  </xsl:template>

  <!-- Does the page show this element with its xml:id as id? (What "#x" links may point to.) -->
  <xsl:function name="tk:has-anchor" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="exists($element[@xml:id][not(ancestor::tei:teiHeader)]
        [not(ancestor::tei:note[tk:note-kind(.) = 'end'] and self::tei:note)]
        [self::tei:p or self::tei:ab or self::tei:quote or self::tei:cit or self::tei:list
         or self::tei:item or self::tei:label or self::tei:lg or self::tei:l or self::tei:hi
         or self::tei:q or self::tei:said or self::tei:soCalled or self::tei:date or self::tei:time
         or self::tei:idno or self::tei:num or self::tei:measure or self::tei:seg or self::tei:bibl
         or self::tei:biblStruct or self::tei:ref or self::tei:note or self::tei:anchor
         or self::tei:div or self::tei:div1 or self::tei:div2 or self::tei:div3 or self::tei:div4
         or self::tei:div5 or self::tei:div6 or self::tei:div7 or self::tei:sp or self::tei:speaker
         or self::tei:stage or self::tei:castList or self::tei:castItem or self::tei:table
         or self::tei:row or self::tei:cell or self::tei:figure or self::tei:graphic
         or self::tei:add or self::tei:del or self::tei:gap or self::tei:unclear or self::tei:damage
         or self::tei:space or self::tei:surface
         or tk:is-entry(.)])"/>
  </xsl:function>

  <!-- The page id of an element with an xml:id (notes keep theirs from tk:note-id). -->
  <xsl:function name="tk:anchor-id" as="xs:string">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="if ($element/self::tei:note) then tk:note-id($element)
        else tk:safe-id($element/@xml:id)"/>
  </xsl:function>

  <!-- Does this paragraph-like element hold blocks (lists, tables, figures, verse,
       speeches, quotations of paragraphs) outside its numbered notes? An HTML
       <p> cannot, so it becomes a <div>. -->
  <xsl:function name="tk:holds-blocks" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <!-- one walk over the descendants (a union of paths would walk once per name) -->
    <xsl:sequence select="some $block in $element//*[self::tei:list[tk:list-kind(.) ne 'inline']
        or self::tei:table or self::tei:figure or self::tei:lg or self::tei:sp or self::tei:p
        or self::tei:ab or self::tei:castList or self::tei:floatingText or self::tei:div
        or self::tei:listBibl or self::tei:listPerson or self::tei:listPlace or self::tei:listOrg
        or self::tei:listEvent]
        satisfies empty($block/ancestor::tei:note[tk:note-kind(.) = 'end'][. >> $element])"/>
  </xsl:function>

  <!-- lang="" for an element that carries xml:lang. -->
  <xsl:template name="tk:lang-attribute">
    <xsl:param name="node" as="element()" select="."/>
    <xsl:if test="$node/@xml:lang[normalize-space()]">
      <xsl:attribute name="lang" select="normalize-space($node/@xml:lang)"/>
    </xsl:if>
  </xsl:template>

  <!-- The plain reading text of nodes, for title attributes. -->
  <xsl:function name="tk:plain" as="xs:string">
    <xsl:param name="nodes" as="node()*"/>
    <xsl:variable name="text" as="xs:string*">
      <xsl:apply-templates select="$nodes" mode="tk:plain"/>
    </xsl:variable>
    <xsl:sequence select="normalize-space(string-join($text, ''))"/>
  </xsl:function>

  <xsl:template match="tei:note" mode="tk:plain"/>
  <xsl:template match="tei:choice" mode="tk:plain">
    <xsl:apply-templates select="(tei:corr, tei:reg, tei:expan, *)[1]" mode="tk:plain"/>
  </xsl:template>
  <xsl:template match="tei:supplied" mode="tk:plain">
    <xsl:text>⟨</xsl:text><xsl:apply-templates mode="tk:plain"/><xsl:text>⟩</xsl:text>
  </xsl:template>
  <xsl:template match="tei:lb" mode="tk:plain">
    <xsl:text> </xsl:text>
  </xsl:template>

</xsl:stylesheet>
