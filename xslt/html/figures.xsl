<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit HTML: figures.xsl (TEI chapter "Tables, Formulæ, Graphics, and Notated Music")
  ==================================================================================
  Tables (head as caption, cells with role="label" as header cells, @cols and
  @rows as spans), figures (graphic, head as caption, figDesc as the image's
  text alternative) and graphics: a local image is shown (loading lazily); an
  image on another site is a link to it, so that opening the page requests
  nothing from elsewhere (unless $remote-images). Image URLs come from
  tk:resource-url. Included by html.xsl.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:tk="https://teikit.org/ns/xslt"
    exclude-result-prefixes="#all">

  <xsl:template match="tei:table">
    <div class="tk-table-wrap">
      <table>
        <xsl:call-template name="tk:attributes">
          <xsl:with-param name="class" select="'tk-table'"/>
        </xsl:call-template>
        <xsl:if test="tei:head">
          <caption>
            <xsl:for-each select="tei:head">
              <xsl:if test="position() gt 1"><br/></xsl:if>
              <xsl:apply-templates/>
            </xsl:for-each>
          </caption>
        </xsl:if>
        <tbody>
          <xsl:apply-templates select="tei:row"/>
        </tbody>
      </table>
      <xsl:apply-templates select="* except (tei:head | tei:row)"/>
    </div>
  </xsl:template>

  <xsl:template match="tei:row">
    <tr>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-row' || (if (@role = 'label') then ' tk-row-label' else '')"/>
      </xsl:call-template>
      <xsl:apply-templates select="tei:cell"/>
    </tr>
  </xsl:template>

  <xsl:template match="tei:cell">
    <xsl:element name="{if ((@role, ../@role)[1] = 'label') then 'th' else 'td'}">
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-cell'"/>
      </xsl:call-template>
      <xsl:if test="@cols castable as xs:positiveInteger and xs:integer(@cols) gt 1">
        <xsl:attribute name="colspan" select="min((xs:integer(@cols), 1000))"/>
      </xsl:if>
      <xsl:if test="@rows castable as xs:positiveInteger and xs:integer(@rows) gt 1">
        <xsl:attribute name="rowspan" select="min((xs:integer(@rows), 65534))"/>
      </xsl:if>
      <xsl:apply-templates/>
    </xsl:element>
  </xsl:template>

  <!-- ========================================================= figures -->

  <xsl:template match="tei:figure">
    <xsl:variable name="captions" as="element()*" select="tei:head | tei:p | tei:ab"/>
    <figure>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-figure'"/>
      </xsl:call-template>
      <xsl:apply-templates select="* except ($captions | tei:figDesc)"/>
      <xsl:if test="exists($captions)">
        <figcaption>
          <xsl:for-each select="$captions">
            <xsl:if test="position() gt 1"><br/></xsl:if>
            <xsl:apply-templates/>
          </xsl:for-each>
        </figcaption>
      </xsl:if>
    </figure>
  </xsl:template>

  <!-- The image's text alternative: its desc, the figure's figDesc or head. -->
  <xsl:function name="tk:image-alt" as="xs:string">
    <xsl:param name="graphic" as="element()"/>
    <xsl:sequence select="((($graphic/tei:desc, $graphic/parent::tei:figure/tei:figDesc,
        $graphic/parent::tei:figure/tei:head) ! tk:plain(.))[. ne ''], '')[1]"/>
  </xsl:function>

  <xsl:template match="tei:graphic | tei:media[starts-with(@mimeType, 'image/')]">
    <xsl:variable name="src" as="xs:string?" select="tk:usable-url(@url)"/>
    <xsl:variable name="alt" as="xs:string" select="tk:image-alt(.)"/>
    <xsl:choose>
      <xsl:when test="empty($src)"/>
      <xsl:when test="empty(tk:url-scheme($src)) or $remote-images">
        <img class="tk-graphic" src="{$src}" alt="{$alt}" loading="lazy">
          <xsl:call-template name="tk:id-attribute"/>
        </img>
      </xsl:when>
      <xsl:otherwise>
        <a class="tk-graphic-link" href="{$src}">
          <xsl:call-template name="tk:id-attribute"/>
          <xsl:value-of select="if ($alt) then $alt else tk:msg('fact.image')"/>
          <xsl:text> (</xsl:text>
          <xsl:value-of select="replace($src, '^[a-z]+://(www\.)?([^/]+).*$', '$2')"/>
          <xsl:text>)</xsl:text>
        </a>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:figDesc"/>

  <xsl:template match="tei:formula">
    <span>
      <xsl:call-template name="tk:attributes">
        <xsl:with-param name="class" select="'tk-formula'"/>
      </xsl:call-template>
      <xsl:apply-templates/>
    </span>
  </xsl:template>

</xsl:stylesheet>
