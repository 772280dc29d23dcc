// hcheck: reports a cluster's health problems per group, before and after a
// simulated rebalance (Ganeti's hcheck).
#pragma once

namespace herd::htools {

int HcheckMain(int argc, char** argv);

}  // namespace herd::htools
