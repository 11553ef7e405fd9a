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
  * gap, unclear, add, del, sic/corr outside choice.
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
  <xsl:template match="tei:seg[@type = 'interpolation']">
    <span class="tk-interpolation"
        title="{string-join(('Interpolation printed in the source',
                             tk:resp-label(@resp, .) ! ('by ' || .)), ', ')}">
      <xsl:call-template name="tk:lang-attribute"/>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <!-- The editors' addition: ⟨angle brackets⟩, only in the reading view. -->
  <xsl:template match="tei:supplied">
    <xsl:variable name="who" as="xs:string?" select="tk:resp-label(@resp, .)"/>
    <xsl:variable name="why" as="xs:string?" select="tk:reason-label(@reason)"/>
    <span class="tk-supplied tk-reading"
        title="{string-join(('Added by the editors, not in the source' || (if ($why) then ': ' || $why else ''),
                             $who ! ('by ' || .), @cert ! ('certainty ' || .)), ', ')}">
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
    <xsl:variable name="what" as="xs:string" select="if (tei:corr) then 'Corrected'
        else if (tei:reg) then 'Regularised' else if (tei:expan) then 'Expanded' else 'Edited'"/>
    <span class="tk-choice">
      <span class="tk-{local-name($reading)} tk-reading"
          title="{$what}; the source reads: {tk:plain($source)}">
        <xsl:apply-templates select="$reading/node()"/>
      </span>
      <xsl:if test="not($source is $reading)">
        <span class="tk-{local-name($source)} tk-diplomatic"
            title="As printed; {lower-case($what)} to: {tk:plain($reading)}">
          <xsl:apply-templates select="$source/node()"/>
        </span>
      </xsl:if>
    </span>
  </xsl:template>

  <xsl:template match="tei:sic">
    <span class="tk-sic" title="sic: so in the source">
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <xsl:template match="tei:corr | tei:reg">
    <span class="tk-{local-name()}" title="Editorial correction">
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <xsl:template match="tei:gap">
    <span class="tk-gap" title="{string-join(('Omitted', tk:reason-label(@reason)), ': ')}">[…]</span>
  </xsl:template>

  <xsl:template match="tei:unclear">
    <span class="tk-unclear" title="{string-join(('Unclear', tk:reason-label(@reason)), ': ')}">
      <xsl:apply-templates/>
    </span>
  </xsl:template>

  <xsl:template match="tei:add">
    <ins class="tk-add"><xsl:apply-templates/></ins>
  </xsl:template>

  <xsl:template match="tei:del">
    <del class="tk-del"><xsl:apply-templates/></del>
  </xsl:template>

</xsl:stylesheet>
