<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: correspondence.xsl (TEI correspDesc, in "The TEI Header")
  =====================================================================
  * metadata rows: sender, addressee, date and place of the letter
    (correspAction sent/received; the place falls back to the closer's dateline),
    and the date of receipt; what the edition infers says so (@evidence, @cert);
  * navigation to the previous and next letter from correspContext/ref
    [@type='prev' | 'next'] (links to x.xml become x.html).
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:template match="tei:correspDesc" mode="tk:metadata">
    <!-- every sent (received) action: a letter may have several senders or addressees -->
    <xsl:variable name="sent" as="element(tei:correspAction)*" select="tei:correspAction[@type = 'sent']"/>
    <xsl:variable name="received" as="element(tei:correspAction)*"
        select="tei:correspAction[@type = 'received']"/>
    <xsl:variable name="agents" as="xs:QName*"
        select="(QName('http://www.tei-c.org/ns/1.0', 'persName'),
                 QName('http://www.tei-c.org/ns/1.0', 'orgName'),
                 QName('http://www.tei-c.org/ns/1.0', 'name'))"/>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="key" select="'sender'"/>
      <xsl:with-param name="label" select="tk:msg('letter.from')"/>
      <xsl:with-param name="content" as="node()*">
        <xsl:call-template name="tk:name-list">
          <xsl:with-param name="names" select="$sent/*[node-name(.) = $agents]"/>
        </xsl:call-template>
      </xsl:with-param>
    </xsl:call-template>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="key" select="'addressee'"/>
      <xsl:with-param name="label" select="tk:msg('letter.to')"/>
      <xsl:with-param name="content" as="node()*">
        <xsl:call-template name="tk:name-list">
          <xsl:with-param name="names" select="$received/*[node-name(.) = $agents]"/>
        </xsl:call-template>
      </xsl:with-param>
    </xsl:call-template>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="key" select="'date'"/>
      <xsl:with-param name="label" select="tk:msg('letter.date')"/>
      <xsl:with-param name="content" as="node()*">
        <xsl:apply-templates select="($sent/tei:date[normalize-space() or @when])[1]"/>
      </xsl:with-param>
    </xsl:call-template>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="key" select="'place'"/>
      <xsl:with-param name="label" select="tk:msg('letter.place')"/>
      <xsl:with-param name="content" as="node()*">
        <xsl:variable name="place" as="element()?" select="($sent/tei:placeName,
            ancestor::tei:TEI[1]/tei:text//tei:closer//tei:dateline//tei:placeName)[1]"/>
        <xsl:apply-templates select="$place"/>
        <xsl:value-of select="tk:certainty-note($place)"/>
      </xsl:with-param>
    </xsl:call-template>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="key" select="'received'"/>
      <xsl:with-param name="label" select="tk:msg('letter.received')"/>
      <xsl:with-param name="content" as="node()*">
        <xsl:apply-templates select="$received/tei:date[1]"/>
        <xsl:value-of select="tk:certainty-note($received/tei:date[1])"/>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <!-- Previous / next letter, when the header names them. -->
  <xsl:template name="tk:correspondence-nav">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="context" as="element(tei:correspContext)?"
        select="$tei/tei:teiHeader/tei:profileDesc/tei:correspDesc/tei:correspContext"/>
    <xsl:variable name="links" as="element(tei:ref)*" select="$context/tei:ref[@type = ('prev', 'next')]"/>
    <xsl:if test="exists($links)">
      <nav class="tk-corresp-nav" aria-label="{tk:msg('letter.nav')}">
        <ul>
          <xsl:for-each select="$context/tei:ref[@type = 'prev'][1], $context/tei:ref[@type = 'next'][1]">
            <xsl:variable name="href" as="xs:string?" select="tk:href(@target)"/>
            <li class="tk-{@type}">
              <span class="tk-corresp-label">
                <xsl:value-of select="tk:msg(if (@type = 'prev') then 'letter.previous' else 'letter.next')"/>
              </span>
              <xsl:text> </xsl:text>
              <xsl:choose>
                <xsl:when test="exists($href)">
                  <a href="{$href}" rel="{@type}"><xsl:apply-templates/></a>
                </xsl:when>
                <xsl:otherwise><xsl:apply-templates/></xsl:otherwise>
              </xsl:choose>
            </li>
          </xsl:for-each>
        </ul>
      </nav>
    </xsl:if>
  </xsl:template>

</xsl:stylesheet>
