// herd-oob: the out-of-band program of Herd's virtual nodes (Ganeti's OOB
// interface: "<program> <command> <node>"). A virtual node's power is its
// node daemon: power-off stops it, power-on starts it again, power-status
// and health report on it. Run on the master's node, with that node's
// GANETI_ROOTDIR: the other nodes' roots are its siblings.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "base/paths.h"
#include "base/pid_file.h"
#include "base/process.h"

using namespace herd;

namespace {

Paths NodePaths(const std::string& node) {
  const Paths self = Paths::FromEnvironment();
  if (!self.is_virtual()) {
    throw GenericError("herd-oob drives virtual nodes only (GANETI_ROOTDIR is not set)");
  }
  return self.ForNode(node);
}

bool Powered(const Paths& node) { return RunningDaemonPid(node.PidFile("ganeti-noded")) > 0; }

void PowerOff(const Paths& node) {
  std::vector<StoppingDaemon> stopping;
  AskDaemonToStop(node.PidFile("ganeti-noded"), stopping);
  WaitForDaemonsToStop(std::move(stopping), 30);
}

void PowerOn(const Paths& node) {
  if (Powered(node)) return;
  const auto started =
      RunCommand({ExecutableDir() + "/ganeti-noded"},
                 {{"GANETI_ROOTDIR", node.root()}, {"GANETI_HOSTNAME", node.hostname()}}, "", 60);
  if (started.failed()) throw GenericError("Could not start the node daemon: " + started.output);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: herd-oob power-on|power-off|power-cycle|power-status|health NODE\n";
    return 2;
  }
  const std::string command = argv[1], node_name = argv[2];
  try {
    const Paths node = NodePaths(node_name);
    if (command == "power-on") {
      PowerOn(node);
    } else if (command == "power-off") {
      PowerOff(node);
    } else if (command == "power-cycle") {
      PowerOff(node);
      PowerOn(node);
    } else if (command == "power-status") {
      std::cout << "{\"powered\": " << (Powered(node) ? "true" : "false") << "}\n";
    } else if (command == "health") {
      std::cout << "[[\"node-daemon\", \"" << (Powered(node) ? "OK" : "CRITICAL") << "\"]]\n";
    } else {
      std::cerr << "herd-oob: unknown command '" << command << "'\n";
      return 2;
    }
    return 0;
  } catch (const GanetiError& e) {
    std::cerr << "herd-oob: " << (e.args().empty() ? e.what() : e.args()[0]) << "\n";
    return 1;
  }
}
