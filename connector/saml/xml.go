package saml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"
)

// ErrDOCTYPE is returned by ParseXML for a document with a DOCTYPE (or any other <!...>
// directive). SAML never needs one, and a DOCTYPE is how entity-expansion and external-entity
// attacks begin, so it is refused whether or not it declares entities.
var ErrDOCTYPE = errors.New("a DOCTYPE is not accepted")

// ParseXML parses a SAML document after refusing what SAML never needs: any DOCTYPE or
// directive, more than MaxXMLTokens tokens, and entity references other than the five XML
// predefines (encoding/xml in strict mode expands nothing else). It returns ErrDOCTYPE, or a
// parse error.
func ParseXML(raw []byte) (*etree.Document, error) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = true
	for n := 0; ; n++ {
		if n > MaxXMLTokens {
			return nil, fmt.Errorf("more than %d XML tokens", MaxXMLTokens)
		}
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed XML: %w", err)
		}
		if _, ok := tok.(xml.Directive); ok {
			return nil, ErrDOCTYPE
		}
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, fmt.Errorf("malformed XML: %w", err)
	}
	if doc.Root() == nil {
		return nil, errors.New("no root element")
	}
	return doc, nil
}
