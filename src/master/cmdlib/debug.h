// Ganeti's test opcodes (gnt-debug): OP_TEST_DELAY, OP_TEST_ALLOCATOR,
// OP_TEST_JQUEUE, OP_TEST_DUMMY and OP_TEST_OS_PARAMS. They exercise the allocator and the
// job queue through the same paths as real opcodes.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "master/cmdlib/lu_context.h"

namespace herd::master {

// Sleeps on the master, or on the given nodes through their daemons,
// holding those nodes' locks unless told not to; `repeat` more times.
boost::json::value TestDelay(LuContext& ctx, const boost::json::object& op);
// The allocator's input ("in") or an allocator's answer ("out") for a
// request of any mode, built as the master builds it for real opcodes.
boost::json::value TestAllocator(LuContext& ctx, const boost::json::object& op);
// Ganeti's job queue test: notifications over a Unix socket while waiting
// and running, test log messages, an optional failure.
boost::json::value TestJqueue(LuContext& ctx, const boost::json::object& op);
// Returns `result`, logs `messages`, fails when `fail` is set, or submits
// `submit_jobs` and returns their ids.
boost::json::value TestDummy(LuContext& ctx, const boost::json::object& op);
// Shows the secret OS parameters it was given (and fails without any).
boost::json::value TestOsParams(LuContext& ctx, const boost::json::object& op);

}  // namespace herd::master
