"""The chat page loads nothing from another origin (the browser test checks the real requests)."""

from assistant.app.offline import strip_external

INDEX = """<head>
<link rel="preconnect" href="https://fonts.googleapis.com" />
<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin />
<!-- FONT START -->
<link
  href="https://fonts.googleapis.com/css2?family=Inter:wght@400;500;700&display=swap"
  rel="stylesheet"
/>
<!-- FONT END -->
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/katex@0.16.22/dist/katex.min.css" />
<meta property="og:image" content="https://chainlit-cloud.s3.eu-west-3.amazonaws.com/logo/chainlit_banner.png">
<script src="//cdn.example.com/x.js"></script>
<link rel="icon" href="/favicon" />
<script type="module" crossorigin src="/assets/index-B2u6IBgX.js"></script>
<link rel="stylesheet" type="text/css" href="/public/tablet.css" >
</head>"""


def test_external_links_and_scripts_are_removed_own_ones_kept():
    html = strip_external(INDEX)
    assert "http" not in html and "//cdn" not in html
    assert '<link rel="icon" href="/favicon" />' in html
    assert 'src="/assets/index-B2u6IBgX.js"' in html and 'href="/public/tablet.css"' in html
    assert strip_external(html) == html
