// Boost's assertion handler for Debug builds (the ASan and TSan presets), where
// BOOST_ENABLE_ASSERT_HANDLER is defined: a failed BOOST_ASSERT aborts with the usual message,
// except for one assertion that is known to be wrong.
//
// Beast 1.81's chunked-body parser asserts `n >= 5` when it re-enters the last chunk's header,
// but a client that sends "0\r\n" and then "\r" one read at a time reaches it with 4 bytes; the
// code after the assertion handles that (it asks for more bytes), and release builds never
// evaluate it. Fixed upstream in Beast (boostorg/beast pull request 2861, Boost 1.86). Found by
// the HTTP request fuzz target replaying a chunked request split byte by byte.
#include <boost/version.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

bool knownFalseAlarm(std::string_view expr, std::string_view file) {
#if BOOST_VERSION < 108600
  return expr == "n >= 5" && file.ends_with("boost/beast/http/impl/basic_parser.ipp");
#else
  (void)expr;
  (void)file;
  return false;
#endif
}

}  // namespace

namespace boost {

void assertion_failed_msg(char const* expr, char const* msg, char const* function,
                          char const* file, long line) {
  if (knownFalseAlarm(expr, file)) return;
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr,
               msg != nullptr ? msg : "");
  std::abort();
}

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  assertion_failed_msg(expr, nullptr, function, file, line);
}

}  // namespace boost
