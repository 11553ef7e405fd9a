<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit print: correspondence.xsl (TEI correspDesc, in "The TEI Header")
  ======================================================================
  Metadata rows for a letter: sender, addressee, date and place
  (correspAction sent/received; the place falls back to the closer's dateline),
  and the date of receipt; what the edition infers says so (@evidence, @cert).
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:template match="tei:correspDesc" mode="tk:metadata" as="xs:string*">
    <!-- every sent (received) action: a letter may have several senders or addressees -->
    <xsl:variable name="sent" as="element(tei:correspAction)*" select="tei:correspAction[@type = 'sent']"/>
    <xsl:variable name="received" as="element(tei:correspAction)*"
        select="tei:correspAction[@type = 'received']"/>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="label" select="tk:msg('letter.from')"/>
      <xsl:with-param name="content">
        <xsl:call-template name="tk:name-list">
          <xsl:with-param name="names" select="$sent/(tei:persName | tei:orgName | tei:name)"/>
        </xsl:call-template>
      </xsl:with-param>
    </xsl:call-template>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="label" select="tk:msg('letter.to')"/>
      <xsl:with-param name="content">
        <xsl:call-template name="tk:name-list">
          <xsl:with-param name="names" select="$received/(tei:persName | tei:orgName | tei:name)"/>
        </xsl:call-template>
      </xsl:with-param>
    </xsl:call-template>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="label" select="tk:msg('letter.date')"/>
      <xsl:with-param name="content">
        <xsl:apply-templates select="($sent/tei:date[normalize-space() or @when])[1]"/>
      </xsl:with-param>
    </xsl:call-template>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="label" select="tk:msg('letter.place')"/>
      <xsl:with-param name="content">
        <xsl:variable name="place" as="element()?" select="($sent/tei:placeName,
            ancestor::tei:TEI[1]/tei:text//tei:closer//tei:dateline//tei:placeName)[1]"/>
        <xsl:apply-templates select="$place"/>
        <xsl:value-of select="tk:typst-escape(tk:certainty-note($place))"/>
      </xsl:with-param>
    </xsl:call-template>
    <xsl:call-template name="tk:meta-row">
      <xsl:with-param name="label" select="tk:msg('letter.received')"/>
      <xsl:with-param name="content">
        <xsl:apply-templates select="$received/tei:date[1]"/>
        <xsl:value-of select="tk:typst-escape(tk:certainty-note($received/tei:date[1]))"/>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

</xsl:stylesheet>
