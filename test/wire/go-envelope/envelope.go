// The envelope of nestjs-transport-nsq's wire contract (WIRE.md, version 1),
// written from the document alone: encode is WIRE.md §3 verbatim, decode and
// the header rules follow §2.1 and §2.2.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// From WIRE.md §3, character for character (the test suite checks it still is).
var magic = []byte{0x00, 'N', 'Q', 'E'}

func encode(headers map[string]string, payload []byte) []byte {
	b := append([]byte{}, magic...)
	b = append(b, 1, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(headers)))
	for k, v := range headers {
		b = append(b, byte(len(k)))
		b = append(b, k...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	return append(b, payload...)
}

// §2.1 and §2.2 limits.
const (
	version          = 1
	maxHeaders       = 256
	maxNameLength    = 128
	maxValueLength   = 16384
	maxHeaderSection = 65536 // names, values and their length fields
)

// decode reads a body per WIRE.md §2.1. A body that does not start with the
// magic is raw: no headers, the whole body is the payload. An envelope that
// breaks a rule is refused with an error.
func decode(body []byte) (headers map[string]string, payload []byte, enveloped bool, err error) {
	if !bytes.HasPrefix(body, magic) {
		return map[string]string{}, body, false, nil
	}
	if len(body) < 8 {
		return nil, nil, true, errors.New("truncated: no room for version, flags and header count")
	}
	if body[4] != version {
		return nil, nil, true, fmt.Errorf("unknown version %d", body[4])
	}
	if body[5] != 0 {
		return nil, nil, true, fmt.Errorf("flags 0x%02x, want 0x00", body[5])
	}
	count := int(binary.BigEndian.Uint16(body[6:8]))
	if count > maxHeaders {
		return nil, nil, true, fmt.Errorf("%d headers, at most %d", count, maxHeaders)
	}
	headers = make(map[string]string, count)
	section := 0
	rest := body[8:]
	for i := 0; i < count; i++ {
		if len(rest) < 1 {
			return nil, nil, true, fmt.Errorf("header %d: name length runs past the body", i)
		}
		nameLength := int(rest[0])
		rest = rest[1:]
		if nameLength < 1 || nameLength > maxNameLength {
			return nil, nil, true, fmt.Errorf("header %d: name length %d, want 1..%d", i, nameLength, maxNameLength)
		}
		if len(rest) < nameLength {
			return nil, nil, true, fmt.Errorf("header %d: name runs past the body", i)
		}
		name := string(rest[:nameLength])
		rest = rest[nameLength:]
		if !validName(name) {
			return nil, nil, true, fmt.Errorf("header %d: invalid name %q", i, name)
		}
		if len(rest) < 4 {
			return nil, nil, true, fmt.Errorf("header %q: value length runs past the body", name)
		}
		valueLength := binary.BigEndian.Uint32(rest[:4])
		rest = rest[4:]
		if valueLength > maxValueLength {
			return nil, nil, true, fmt.Errorf("header %q: value length %d, at most %d", name, valueLength, maxValueLength)
		}
		if uint32(len(rest)) < valueLength {
			return nil, nil, true, fmt.Errorf("header %q: value runs past the body", name)
		}
		value := rest[:valueLength]
		rest = rest[valueLength:]
		if !utf8.Valid(value) {
			return nil, nil, true, fmt.Errorf("header %q: value is not valid UTF-8", name)
		}
		if _, repeated := headers[name]; repeated {
			return nil, nil, true, fmt.Errorf("header %q: repeated", name)
		}
		section += 1 + nameLength + 4 + int(valueLength)
		if section > maxHeaderSection {
			return nil, nil, true, fmt.Errorf("header section over %d bytes", maxHeaderSection)
		}
		headers[name] = string(value)
	}
	return headers, rest, true, nil
}

// checkHeaders applies §2.2 before publishing, so this program never writes an envelope a reader must refuse.
func checkHeaders(headers map[string]string) error {
	if len(headers) > maxHeaders {
		return fmt.Errorf("%d headers, at most %d", len(headers), maxHeaders)
	}
	section := 0
	for name, value := range headers {
		if len(name) < 1 || len(name) > maxNameLength || !validName(name) {
			return fmt.Errorf("invalid header name %q", name)
		}
		if len(value) > maxValueLength || !utf8.ValidString(value) {
			return fmt.Errorf("header %q: value over %d bytes or not UTF-8", name, maxValueLength)
		}
		section += 1 + len(name) + 4 + len(value)
	}
	if section > maxHeaderSection {
		return fmt.Errorf("header section over %d bytes", maxHeaderSection)
	}
	return nil
}

// validName: an HTTP token in lower case (§2.2).
func validName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0:
		default:
			return false
		}
	}
	return true
}
