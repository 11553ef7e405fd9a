<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: transcr.xsl (TEI chapters "Representation of Primary Sources"
  and "Simple Editorial Changes")
  ============================================================================
  Editorial interventions stay visible, and apart from what the source prints:
  * seg[@type='interpolation']: a bracketed insertion printed in the source,
    part of the text in every view (its brackets are transcribed);
  * supplied: the editors' addition in angle brackets ⟨ ⟩, marked and
    explained (title="": reason, responsibility, certainty), reading view only;
  * choice: the reading member (corr, reg, expan) with the source's form in
    title="", plus the source member (sic, orig, abbr) for the "as printed" view;
  * gap, unclear, damage, add, del, subst, space, handShift, sic/corr outside choice;
  * the facsimile: page images after the text (pb/@facs links are in core.xsl).
  Classes tk-reading / tk-diplomatic drive the view switch in teikit.css
  (a :checked toggle; no script needed).
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <!-- What the source prints in brackets is text: no brackets are added. -->
  <!-- (A line of an opener or closer stays a line: textstructure.xsl.) -->
  <xsl:template match="tei:seg[@type = 'interpolation'][not(parent::tei:opener or parent::tei:closer)]">
    <span class="tk-interpolation"
        title="{string-join((tk:msg('transcr.interpolation'),
                             tk:resp-label(@resp, .) ! (tk:msg('transcr.by') || .)), ', ')}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <!-- The editors' addition: ⟨angle brackets⟩, only in the reading view. -->
  <xsl:template match="tei:supplied">
    <xsl:variable name="who" as="xs:string?" select="tk:resp-label(@resp, .)"/>
    <xsl:variable name="why" as="xs:string?" select="tk:reason-label(@reason)"/>
    <span class="tk-supplied tk-reading"
        title="{string-join((tk:msg('transcr.supplied') || (if ($why) then ': ' || $why else ''),
                             $who ! (tk:msg('transcr.by') || .), @cert ! (tk:msg('transcr.certainty') || .)), ', ')}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:text>⟨</xsl:text>
      <xsl:apply-templates/>
      <xsl:text>⟩</xsl:text>
    </span>
  </xsl:template>

  <!-- The member shown in the reading text, and the one printed in the source. -->
  <xsl:function name="tk:reading-member" as="element()?">
    <xsl:param name="choice" as="element(tei:choice)"/>
    <xsl:sequence select="($choice/(tei:corr | tei:reg | tei:expan), $choice/*)[1]"/>
  </xsl:function>

  <xsl:function name="tk:source-member" as="element()?">
    <xsl:param name="choice" as="element(tei:choice)"/>
    <xsl:sequence select="($choice/(tei:sic | tei:orig | tei:abbr), $choice/*)[1]"/>
  </xsl:function>

  <xsl:template match="tei:choice">
    <xsl:variable name="reading" as="element()?" select="tk:reading-member(.)"/>
    <xsl:variable name="source" as="element()?" select="tk:source-member(.)"/>
    <xsl:variable name="what" as="xs:string" select="tk:msg(if (tei:corr) then 'transcr.corrected'
        else if (tei:reg) then 'transcr.regularised' else if (tei:expan) then 'transcr.expanded'
        else 'transcr.edited')"/>
    <span class="tk-choice">
      <span class="tk-{local-name($reading)} tk-reading"
          title="{$what}{tk:msg('transcr.source-reads')}{tk:plain($source)}">
        <xsl:apply-templates select="$reading/node()"/>
      </span>
      <xsl:if test="not($source is $reading)">
        <span class="tk-{local-name($source)} tk-diplomatic"
            title="{tk:msg('transcr.as-printed', map {'what': lower-case($what)})}{tk:plain($reading)}">
          <xsl:apply-templates select="$source/node()"/>
        </span>
      </xsl:if>
    </span>
  </xsl:template>

  <xsl:template match="tei:sic">
    <span class="tk-sic" title="{tk:msg('transcr.sic')}">
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <xsl:template match="tei:corr | tei:reg">
    <span class="tk-{local-name()}" title="{tk:msg('transcr.correction')}">
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <!-- ============================================ primary sources (PH) -->

  <!-- Omitted or illegible text: […], with why and how much in title="". -->
  <xsl:template match="tei:gap">
    <span title="{tk:gap-label(.)}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-gap'"/>
      </xsl:call-template>
      <xsl:text>[…]</xsl:text>
    </span>
  </xsl:template>

  <xsl:template match="tei:unclear">
    <span title="{string-join((tk:msg('transcr.unclear'), tk:reason-label(@reason)), ': ')}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-unclear'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <xsl:template match="tei:damage">
    <span title="{string-join((tk:msg('transcr.damaged'), tk:reason-label((@agent, @type)[1])), ': ')}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-damage'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <!-- Additions, with where they stand in the source (@place) in title="". -->
  <xsl:template match="tei:add">
    <ins title="{tk:add-label(.)}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-add' || string-join(
            tokenize(normalize-space(@place), ' ') ! (' tk-place-' || tk:safe-id(.)), '')"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </ins>
  </xsl:template>

  <!-- Deletions stay visible, struck through (how, from @rend, in title=""). -->
  <xsl:template match="tei:del">
    <del title="{string-join((tk:msg('transcr.deleted'), (@rend, @type)[1] ! replace(normalize-space(.), '[\-_]', ' ')), ': ')}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-del'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </del>
  </xsl:template>

  <!-- A substitution: what was deleted, then what replaced it. -->
  <xsl:template match="tei:subst">
    <span>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-subst'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <!-- Space left in the source. Horizontal: as many spaces as characters
       (at least one, so words do not run together; at most 20); vertical: an
       empty line per line (at most 5). -->
  <xsl:template match="tei:space">
    <xsl:variable name="count" as="xs:integer" select="tk:space-count(.)"/>
    <xsl:choose>
      <xsl:when test="@dim = 'vertical'">
        <xsl:for-each select="1 to min(($count, 5))">
          <span class="tk-space-line" role="presentation"></span>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <span title="{tk:msg('transcr.space') || $count || ' ' || (normalize-space(@unit)[not(. = ('', 'chars', 'char'))], tk:msg('transcr.chars'))[1]}">
          <xsl:call-template name="tk:attributes">
            <xsl:with-param name="class" select="'tk-space'"/>
          </xsl:call-template>
          <xsl:value-of select="' ' || string-join((2 to min(($count, 20))) ! '&#160;', '')"/>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A change of hand: a marker with who or what writes on. -->
  <xsl:template match="tei:handShift">
    <xsl:variable name="label" as="xs:string" select="string-join((
        tk:msg('transcr.hand'), tk:resp-label(@new, .), tk:resp-label(@scribe, .),
        (@medium, @script)[1] ! replace(normalize-space(.), '[\-_]', ' ')), ': ')"/>
    <span class="tk-handShift" title="{$label}" role="note"><span class="tk-visually-hidden"><xsl:value-of select="$label"/></span></span>
  </xsl:template>

  <!-- ======================================================= facsimiles -->

  <!-- The document's facsimile (after the text): a link per page image that
       has a usable URL (see tk:resource-url), labelled by the page it shows. -->
  <xsl:template name="tk:facsimiles">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="images" as="element()*" select="$tei/tei:facsimile/(tei:graphic
        | tei:surface | tei:surfaceGrp/tei:surface)[exists(tk:image-url(.))]"/>
    <xsl:if test="exists($images)">
      <xsl:variable name="breaks" as="element()*" select="$tei/tei:text//tei:pb[@facs]"/>
      <section class="tk-facsimiles" aria-labelledby="tk-facsimiles-heading">
        <h2 id="tk-facsimiles-heading"><xsl:value-of select="tk:msg('facsimile.heading')"/></h2>
        <ol class="tk-facsimile-list">
          <xsl:for-each select="$images">
            <li>
              <xsl:call-template name="tk:id-attribute"/>
              <a class="tk-facs" href="{tk:image-url(.)}">
                <xsl:value-of select="tk:image-label(., position(), $breaks)"/>
              </a>
            </li>
          </xsl:for-each>
        </ol>
      </section>
    </xsl:if>
  </xsl:template>

</xsl:stylesheet>
