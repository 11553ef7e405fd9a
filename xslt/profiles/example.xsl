<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit example profile: example.xsl
  ===================================
  A profile is a stylesheet that imports a teikit format and overrides what
  it needs. Imported templates have lower precedence, so every named hook
  or template rule defined here wins.

  This one adds a banner and a project footer to the HTML pages, and shows
  emphasised names in small caps. Use it with
      render_html(doc, stylesheet="xslt/profiles/example.xsl")
  or  transform(paths, "html", out, xsl="xslt/profiles/example.xsl").
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:import href="../html/html.xsl"/>

  <!-- Text of the banner shown above every page. -->
  <xsl:param name="banner" as="xs:string" select="'Example project'"/>

  <xsl:template name="tk:hook-head">
    <meta name="profile" content="teikit-example"/>
  </xsl:template>

  <xsl:template name="tk:hook-before-body">
    <p class="example-banner"><xsl:value-of select="$banner"/></p>
  </xsl:template>

  <xsl:template name="tk:hook-footer">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <p class="example-footer">Example profile footer for <xsl:value-of select="tk:short-title($tei)"/>.</p>
  </xsl:template>

</xsl:stylesheet>
