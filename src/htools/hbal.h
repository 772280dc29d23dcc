// hbal: balances a cluster's group with Ganeti's greedy algorithm.
#pragma once

namespace herd::htools {

int HbalMain(int argc, char** argv);

}  // namespace herd::htools
