// herd-vcluster: create, start, stop, inspect and destroy virtual clusters.
#pragma once

namespace herd::vcluster {
int Main(int argc, char** argv);
}
