#include "master/voting.h"

#include <boost/json.hpp>

#include "base/json.h"
#include "rpc/procedures.h"

namespace herd::master {

std::string MasterVotes::Leader() const {
  std::string leader;
  int best = 0;
  for (const auto& [name, count] : counts) {
    if (count > best) {
      best = count;
      leader = name;
    }
  }
  return leader;
}

bool MasterVotes::WonBy(const std::string& name) const {
  auto it = counts.find(name);
  return it != counts.end() && 2 * it->second > asked;
}

bool MasterVotes::Undecided(const std::string& name) const {
  auto it = counts.find(name);
  const int in_favour = it == counts.end() ? 0 : it->second;
  return !WonBy(name) && 2 * (in_favour + static_cast<int>(silent.size())) > asked;
}

std::string MasterVotes::Describe() const {
  std::string text;
  for (const auto& [name, count] : counts) {
    text += (text.empty() ? "" : ", ") + name + ": " + std::to_string(count);
  }
  if (text.empty()) text = "no votes";
  if (!silent.empty()) {
    text += "; no answer from";
    for (size_t i = 0; i < silent.size() && i < 10; ++i) text += " " + silent[i];
    if (silent.size() > 10) text += " and " + std::to_string(silent.size() - 10) + " more";
  }
  return text;
}

MasterVotes GatherMasterVotes(rpc::NodeRpcClient& rpc, const std::vector<rpc::NodeAddress>& nodes) {
  MasterVotes votes;
  votes.asked = static_cast<int>(nodes.size());
  auto results = rpc.CallParallel(nodes, rpc::procedures::kMasterNodeName, json::array{});
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    if (!r.ok || !r.payload.is_string() || r.payload.get_string().empty()) {
      votes.silent.push_back(nodes[i].name);
      continue;
    }
    std::string name(r.payload.get_string());
    while (!name.empty() && name.back() == '\n') name.pop_back();
    ++votes.counts[name];
  }
  return votes;
}

}  // namespace herd::master
