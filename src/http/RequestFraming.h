// The server's defences against request smuggling, checked on the raw header block before Beast's
// parser interprets it. Used by http::Server's connection loop and by the HTTP fuzz target, which
// drives the same checks over a byte stream. Includes Beast: keep it out of widely included
// headers.
#pragma once

#include <boost/beast/http/message.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "http/Message.h"

namespace npufleet::http {

// Whether reading the header may stop: `bytes` (what has arrived so far) holds a whole header
// block, or more than `limit` bytes (the parser then refuses it as too large), or bytes Beast
// already refuses as they stand (not HTTP at all, such as a TLS ClientHello on a plain port), so
// that those are answered at once and not after the header timeout. `searched` carries where the
// search for the blank line resumes; start it at 0.
bool headerReadDone(std::string_view bytes, size_t limit, size_t& searched);

// An obs-folded header line (RFC 9112 5.2) in a complete header block: Beast unfolds it, a proxy
// may not ("Transfer-Encoding:\r\n chunked").
bool hasObsFold(std::string_view raw);

// Why the request's framing is refused, or empty: obs-folding, and any Transfer-Encoding but a
// single "chunked" on HTTP/1.1 (RFC 9112 6.1, 6.3). Beast reads "gzip" or "chunked, gzip" as no
// body at all, and the body's bytes would then be taken as the next request.
std::string framingProblem(bool obs_fold, const boost::beast::http::request_header<>& head);

// Why the request target is refused, or empty: a control character (NUL, CR, LF, DEL, ...) in
// the target as sent or in its path once percent-decoded, or a path that does not decode
// (a '%' not followed by two hex digits). "/index.html%00.png" was read as "index.html" by the
// file system and served as image/png by its name.
std::string targetProblem(std::string_view target);

// The request line and header fields of a parsed head as handlers see them: method, target,
// path (the target up to '?'), query (after it) and every header in order.
void fillRequestHead(const boost::beast::http::request_header<>& head, Request& req);

}  // namespace npufleet::http
