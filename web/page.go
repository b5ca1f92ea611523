package web

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
)

//go:embed assets/page.html assets/app.css assets/app.js
var assets embed.FS

var pageTemplate = template.Must(template.ParseFS(assets, "assets/page.html"))

var (
	appCSS = mustAsset("assets/app.css")
	appJS  = mustAsset("assets/app.js")
)

func mustAsset(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// pageData fills page.html: the page is the same for the live view and
// the report; a report carries its data, the live view its token.
type pageData struct {
	Title string
	Nonce string
	// Live is set for the live view (the page reads the /api endpoints).
	Live  bool
	Token string
	// CSP is the page's Content-Security-Policy.
	CSP string
	CSS template.CSS
	JS  template.JS
	// Data is the report's data as JSON with <, > and & escaped, so it
	// cannot end its script element.
	Data template.JS
}

func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func writePage(w io.Writer, d pageData) error {
	d.CSS, d.JS = template.CSS(appCSS), template.JS(appJS)
	return pageTemplate.Execute(w, d)
}

// csp allows the page's own nonce-marked script and style, requests to
// this server only (none for a report), and no frames, forms or plugins.
func csp(nonce string, connect string) string {
	return "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'nonce-" + nonce + "'; img-src data:; connect-src " +
		connect + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

func (s *Server) page(w http.ResponseWriter, _ *http.Request) {
	nonce := newNonce()
	policy := csp(nonce, "'self'")
	w.Header().Set("Content-Security-Policy", policy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = writePage(w, pageData{Title: "dlv-tasks", Nonce: nonce, Live: true, Token: s.token, CSP: policy})
}

// templateJS marks JSON from json.Marshal (which escapes <, > and &) as
// safe to put inside a script element.
func templateJS(data []byte) template.JS { return template.JS(data) }
