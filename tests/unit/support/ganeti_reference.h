// Locates Ganeti's reference material for tests: the test inputs of Debian's
// ganeti-testsuite and the programs of Debian's ganeti-3.0 packages. A missing
// prerequisite throws with what to install, so the test fails rather than skips.
#pragma once

#include <string>
#include <string_view>

namespace herd::reference {

// Ganeti's test data directory: $HERD_GANETI_TESTDATA, else the build's
// HERD_GANETI_TESTDATA (Debian's /usr/share/ganeti/testsuite/test/data).
std::string GanetiTestDataDir();

// A file or directory under GanetiTestDataDir(); throws std::runtime_error
// naming the package to install when it is not there.
std::string GanetiTestData(std::string_view relative);

// A program of Debian's Ganeti 3.0 ("hbal", "hinfo", ...: under
// /usr/lib/ganeti/3.0/usr/bin); throws naming the package when missing.
std::string DebianHtool(std::string_view name);

// Debian's hail, in Ganeti's iallocator search path.
std::string DebianHail();

}  // namespace herd::reference
