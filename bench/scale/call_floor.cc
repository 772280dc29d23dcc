// What one call to each node daemon of a large virtual cluster costs the
// node daemons in CPU, side by side with the floor: as many minimal TLS
// servers (a blocking SSL_read/SSL_write loop, one forked process per node,
// each on its own loopback address) answering the same request. Both sets are
// called in the same rounds, one after the other, by the same client: a
// request to every server, then every answer read, as masterd fans out a live
// query. CPU is read from /proc/PID/schedstat (nanoseconds, exact).
//
//   call_floor CLUSTER_DIR ROUNDS GAP_MS PROCEDURE BODY [STATS]
//
// With STATS, each minimal server also calls stat() that many times per
// request on a file of its own node's directory (what a handler's path
// lookups cost in this setting).
//
// Prints one JSON line: CPU per call of the minimal servers and of the node
// daemons (median over the rounds), their ratio, and the wall time of a round.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "call_floor: %s\n", why.c_str());
  std::exit(1);
}

// Minimal servers listen on 127.202.0.0/16, away from the cluster's addresses.
constexpr uint32_t kFloorNet = 0x7fca0000;
constexpr uint16_t kFloorPort = 20811;

// Reads one HTTP message (head, then Content-Length bytes of body) from `ssl`.
bool ReadMessage(SSL* ssl, std::string& buffer) {
  buffer.clear();
  char chunk[4096];
  for (;;) {
    const size_t head_end = buffer.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      size_t length = 0;
      const size_t at = buffer.find("Content-Length: ");
      if (at != std::string::npos && at < head_end)
        length = std::strtoul(&buffer[at + 16], nullptr, 10);
      if (buffer.size() >= head_end + 4 + length) return true;
    }
    const int n = SSL_read(ssl, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

// One minimal server: accepts one connection and answers every request with
// a fixed answer of about the size a node daemon's `version` answer has.
[[noreturn]] void ServeMinimal(int listener, SSL_CTX* context, const std::string& stat_path,
                               int stats) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int fd = accept(listener, nullptr, nullptr);
  SSL* ssl = SSL_new(context);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) _exit(1);
  static const char kAnswer[] =
      "HTTP/1.1 200 OK\r\nServer: floor\r\nContent-Type: application/json\r\n"
      "Content-Length: 7\r\n\r\n3000000";
  std::string request;
  while (ReadMessage(ssl, request)) {
    for (int i = 0; i < stats; ++i) {
      struct stat st {};
      stat(stat_path.c_str(), &st);
    }
    if (SSL_write(ssl, kAnswer, sizeof kAnswer - 1) <= 0) break;
  }
  _exit(0);
}

long CpuNanoseconds(const std::vector<pid_t>& pids) {
  long total = 0;
  for (pid_t pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/schedstat");
    long ns = 0;
    in >> ns;
    total += ns;
  }
  return total;
}

struct Target {
  sockaddr_in address{};
  int fd = -1;
  SSL* ssl = nullptr;
};

void Connect(Target& t, SSL_CTX* context) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    t.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(t.fd, reinterpret_cast<sockaddr*>(&t.address), sizeof t.address) == 0) break;
    close(t.fd);
    t.fd = -1;
    usleep(10'000);
  }
  if (t.fd < 0) Fail("cannot connect to " + std::string(inet_ntoa(t.address.sin_addr)));
  const int one = 1;
  setsockopt(t.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  t.ssl = SSL_new(context);
  SSL_set_fd(t.ssl, t.fd);
  if (SSL_connect(t.ssl) != 1) Fail("TLS handshake failed");
}

// One fan-out: the request to every target, then every answer; wall ms.
double FanOut(std::vector<Target>& targets, const std::string& request) {
  const auto start = std::chrono::steady_clock::now();
  for (auto& t : targets) {
    if (SSL_write(t.ssl, request.data(), static_cast<int>(request.size())) <= 0)
      Fail("write failed");
  }
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  for (size_t i = 0; i < targets.size(); ++i) {
    epoll_event event{EPOLLIN, {.u64 = i}};
    epoll_ctl(epoll, EPOLL_CTL_ADD, targets[i].fd, &event);
  }
  std::string answer;
  for (size_t left = targets.size(); left > 0;) {
    epoll_event events[64];
    const int n = epoll_wait(epoll, events, 64, 60'000);
    if (n <= 0) Fail("no answer within 60 s");
    for (int k = 0; k < n; ++k) {
      Target& t = targets[events[k].data.u64];
      if (!ReadMessage(t.ssl, answer) || answer.rfind("HTTP/1.1 200", 0) != 0) {
        Fail("bad answer: " + answer.substr(0, 80));
      }
      epoll_ctl(epoll, EPOLL_CTL_DEL, t.fd, nullptr);
      --left;
    }
  }
  close(epoll);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7)
    Fail("usage: call_floor CLUSTER_DIR ROUNDS GAP_MS PROCEDURE BODY [STATS]");
  const std::string dir = argv[1];
  const int rounds = std::atoi(argv[2]);
  const int gap_ms = std::atoi(argv[3]);
  const std::string procedure = argv[4], body = argv[5];
  const int stats = argc == 7 ? std::atoi(argv[6]) : 0;
  const std::string pem = dir + "/node1/var/lib/ganeti/server.pem";
  signal(SIGPIPE, SIG_IGN);
  // Two connections per node here, and a listener per minimal server.
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  // The node daemons of every node but the master (whose daemon also serves
  // the master's own calls), with their addresses from the cluster's hosts file.
  std::ifstream hosts(dir + "/hosts");
  std::vector<Target> nodeds;
  std::vector<pid_t> noded_pids;
  std::vector<std::string> names;
  for (std::string line; std::getline(hosts, line);) {
    std::istringstream fields(line);
    std::string ip, name;
    if (line.empty() || line[0] == '#' || !(fields >> ip >> name)) continue;
    if (name.rfind("node", 0) != 0 || name == "node1") continue;
    std::ifstream pid_file(dir + "/" + name + "/var/run/ganeti/ganeti-noded.pid");
    pid_t pid = 0;
    if (!(pid_file >> pid)) Fail("no node daemon running for " + name);
    Target t;
    t.address.sin_family = AF_INET;
    t.address.sin_port = htons(1811);
    if (inet_pton(AF_INET, ip.c_str(), &t.address.sin_addr) != 1) Fail("bad address " + ip);
    nodeds.push_back(t);
    noded_pids.push_back(pid);
    names.push_back(name);
  }
  if (nodeds.empty()) Fail("no nodes listed in " + dir + "/hosts");

  SSL_CTX* server_context = SSL_CTX_new(TLS_server_method());
  if (SSL_CTX_use_certificate_chain_file(server_context, pem.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(server_context, pem.c_str(), SSL_FILETYPE_PEM) != 1) {
    Fail("cannot load " + pem);
  }
  SSL_CTX_set_mode(server_context, SSL_MODE_RELEASE_BUFFERS);
  std::vector<Target> floors(nodeds.size());
  std::vector<pid_t> floor_pids;
  for (size_t i = 0; i < floors.size(); ++i) {
    auto& a = floors[i].address;
    a.sin_family = AF_INET;
    a.sin_port = htons(kFloorPort);
    a.sin_addr.s_addr = htonl(kFloorNet + 1 + static_cast<uint32_t>(i));
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        listen(listener, 4) != 0) {
      Fail("cannot listen on " + std::string(inet_ntoa(a.sin_addr)));
    }
    const pid_t pid = fork();
    if (pid == 0) {
      ServeMinimal(listener, server_context,
                   dir + "/" + names[i] + "/var/lib/ganeti/ssconf_cluster_name", stats);
    }
    close(listener);
    floor_pids.push_back(pid);
  }

  SSL_CTX* client_context = SSL_CTX_new(TLS_client_method());
  if (SSL_CTX_use_certificate_chain_file(client_context, pem.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(client_context, pem.c_str(), SSL_FILETYPE_PEM) != 1) {
    Fail("cannot load " + pem);
  }
  for (auto& t : floors) Connect(t, client_context);
  for (auto& t : nodeds) Connect(t, client_context);

  const std::string request = "POST /" + procedure +
                              " HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n"
                              "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  FanOut(floors, request);  // warm-up
  FanOut(nodeds, request);
  std::vector<double> floor_us, noded_us, floor_wall, noded_wall;
  for (int r = 0; r < rounds; ++r) {
    usleep(gap_ms * 1000);
    long before = CpuNanoseconds(floor_pids);
    floor_wall.push_back(FanOut(floors, request));
    floor_us.push_back((CpuNanoseconds(floor_pids) - before) / 1e3 / floors.size());
    usleep(gap_ms * 1000);
    before = CpuNanoseconds(noded_pids);
    noded_wall.push_back(FanOut(nodeds, request));
    noded_us.push_back((CpuNanoseconds(noded_pids) - before) / 1e3 / nodeds.size());
  }
  for (auto& t : floors) close(t.fd);
  for (auto& t : nodeds) close(t.fd);
  for (pid_t pid : floor_pids) waitpid(pid, nullptr, 0);
  std::printf(
      "{\"servers\": %zu, \"procedure\": \"%s\", \"gap_ms\": %d, \"rounds\": %d, "
      "\"floor_stats_per_call\": %d, "
      "\"floor_us_per_call\": %.0f, \"noded_us_per_call\": %.0f, \"ratio\": %.2f, "
      "\"floor_round_ms\": %.1f, \"noded_round_ms\": %.1f}\n",
      nodeds.size(), procedure.c_str(), gap_ms, rounds, stats, Median(floor_us), Median(noded_us),
      Median(noded_us) / Median(floor_us), Median(floor_wall), Median(noded_wall));
}
