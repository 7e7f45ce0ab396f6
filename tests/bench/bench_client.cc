// The HTTP side of scripts/bench.sh: drives a running runtime-updater and
// prints what it measured as ROW lines (see bench_stats.h).
//
//   bench_client --mode=update   POSTs --count distinct modules and times
//                                each round trip (part 3)
//   bench_client --mode=rollback rolls foobar back to resident and to
//                                evicted versions (rollback latency)
//   bench_client --mode=memory   updates many times, reading the server's
//                                resident memory at checkpoints (part 5)
//   bench_client --mode=push     alternates between two uploads while
//                                something else loads the server (part 4)

#include <gflags/gflags.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "rapidjson/document.h"
#include "tests/bench/bench_http.h"
#include "tests/bench/bench_modules.h"
#include "tests/bench/bench_stats.h"

DEFINE_string(url, "http://127.0.0.1:5000", "The server.");
DEFINE_string(mode, "update", "update, rollback, memory or push.");
DEFINE_string(template_ir, "tiny",
              "\"tiny\", \"value\" or a textual IR file containing the "
              "seed constant.");
DEFINE_string(function, "foobar", "The function updated.");
DEFINE_string(query, "", "Added to the upload's query, e.g. probe=off.");
DEFINE_int32(count, 100, "Requests measured.");
DEFINE_int32(warmup, 3, "Uploads before the measured ones, not counted.");
DEFINE_int64(first_seed, 1,
             "Seed of the first variant; use a new range per server.");
DEFINE_string(row, "", "Measurement name for the ROW line; none if empty.");
DEFINE_double(target_p50_ms, 0, "Target for the median; 0 for none.");
DEFINE_int32(pid, 0, "The server's process id (memory mode).");
DEFINE_string(checkpoints, "100,10000",
              "Update counts at which memory is read (memory mode).");
DEFINE_string(files, "", "Two uploads, comma-separated (push mode).");
DEFINE_int32(interval_ms, 50, "Pause between uploads (push mode).");
DEFINE_int32(resident_versions, 4,
             "The server's --resident_versions (rollback mode).");

namespace {

using ru_bench::Format;
using ru_bench::HttpClient;
using ru_bench::PrintRow;
using ru_bench::Reply;
using ru_bench::Summarize;
using ru_bench::Summary;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "bench_client: %s\n", message.c_str());
  std::exit(1);
}

std::string UpdatePath() {
  std::string path = "/update_endpoint?function=" + FLAGS_function;
  if (!FLAGS_query.empty()) path += "&" + FLAGS_query;
  return path;
}

// The reply's JSON object; dies when the request did not succeed.
rapidjson::Document Json(const Reply& reply, const std::string& what) {
  if (reply.status != 200) {
    Die(what + " failed: HTTP " + std::to_string(reply.status) + " " +
        reply.error + " " + reply.body);
  }
  rapidjson::Document doc;
  doc.Parse(reply.body.c_str());
  if (doc.HasParseError() || !doc.IsObject()) {
    Die(what + " answered " + reply.body);
  }
  return doc;
}

std::string Target(double p50_ms) {
  return p50_ms > 0 ? "p50 <= " + Format("%g", p50_ms) + " ms" : "-";
}

std::string Verdict(const Summary& summary, double p50_ms) {
  return p50_ms > 0 ? ru_bench::AtMost(summary.p50, p50_ms, "ms") : "info";
}

int RunUpdate(HttpClient& client) {
  std::vector<std::string> uploads =
      ru_bench::SeededVariants(ru_bench::TemplateIr(FLAGS_template_ir),
                               FLAGS_warmup + FLAGS_count, FLAGS_first_seed);
  std::vector<double> round_trip;
  std::vector<double> compile;
  int last_version = -1;
  for (size_t i = 0; i < uploads.size(); ++i) {
    Reply reply = client.Post(UpdatePath(), uploads[i]);
    rapidjson::Document doc = Json(reply, "upload " + std::to_string(i));
    int version = doc["version"].GetInt();
    if (version <= last_version) {
      Die("upload " + std::to_string(i) + " did not make a new version");
    }
    last_version = version;
    if (static_cast<int>(i) < FLAGS_warmup) continue;
    round_trip.push_back(reply.ms);
    compile.push_back(doc["compile_ms"].GetDouble());
  }

  Summary summary = Summarize(round_trip);
  Summary server = Summarize(compile);
  std::printf(
      "update over HTTP: p50 %.3f ms, p99 %.3f ms (n=%zu, %zu "
      "bytes each); server's compile_ms p50 %.3f, p99 %.3f\n",
      summary.p50, summary.p99, summary.count, uploads.back().size(),
      server.p50, server.p99);
  if (!FLAGS_row.empty()) {
    PrintRow("3 update latency", FLAGS_row,
             ru_bench::FormatMs(summary) + "; server's compile_ms p50 " +
                 Format("%.2f", server.p50),
             "-", Target(FLAGS_target_p50_ms),
             Verdict(summary, FLAGS_target_p50_ms));
  }
  return 0;
}

struct RollbackTimes {
  std::vector<double> round_trip;
  std::vector<double> server;
};

void RollbackTo(HttpClient& client, int version, bool expect_recompiled,
                RollbackTimes* times) {
  Reply reply = client.Post("/rollback?function=" + FLAGS_function +
                                "&version=" + std::to_string(version),
                            "");
  rapidjson::Document doc =
      Json(reply, "rollback to " + std::to_string(version));
  if (times == nullptr) return;
  if (doc["recompiled"].GetBool() != expect_recompiled) {
    Die("rollback to " + std::to_string(version) + " was " +
        (expect_recompiled ? "not " : "") + "recompiled: " + reply.body);
  }
  times->round_trip.push_back(reply.ms);
  times->server.push_back(doc["ms"].GetDouble());
}

void PrintRollbackRow(const std::string& name, const RollbackTimes& times) {
  Summary summary = Summarize(times.round_trip);
  Summary server = Summarize(times.server);
  PrintRow("6 rollback", name,
           ru_bench::FormatMs(summary) + "; server's \"ms\": p50 " +
               Format("%.2f", server.p50) + ", p99 " +
               Format("%.2f", server.p99),
           "-", "-", "info");
}

// Needs a server whose function has many versions, the newest live: the
// newest few are resident, the oldest are not.
int RunRollback(HttpClient& client) {
  Reply reply = client.Get("/versions/" + FLAGS_function);
  rapidjson::Document doc = Json(reply, "GET /versions");
  int newest = doc["live_version"].GetInt();
  if (newest < FLAGS_count + FLAGS_resident_versions + 2) {
    Die("too few versions (" + std::to_string(newest) + ") for " +
        std::to_string(FLAGS_count) + " rollbacks to evicted code");
  }

  // Between the two newest versions: both stay resident.
  RollbackTimes resident;
  for (int i = 0; i < FLAGS_count; ++i) {
    RollbackTo(client, i % 2 == 0 ? newest - 1 : newest, false, &resident);
  }
  // To the oldest versions, one after another: each was evicted long ago.
  RollbackTimes recompiled;
  for (int version = 1; version <= FLAGS_count; ++version) {
    RollbackTo(client, version, true, &recompiled);
  }
  RollbackTo(client, newest, false, nullptr);

  PrintRollbackRow("rollback over HTTP, code resident", resident);
  PrintRollbackRow("rollback over HTTP, recompiled from the store", recompiled);
  return 0;
}

double ResidentMb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stod(line.substr(6)) / 1024.0;
    }
  }
  Die("cannot read the resident memory of process " + std::to_string(pid));
}

double ResidentCodeKb(HttpClient& client) {
  rapidjson::Document doc = Json(client.Get("/healthz"), "GET /healthz");
  return doc["resident_code_bytes"].GetUint64() / 1024.0;
}

int RunMemory(HttpClient& client) {
  std::vector<int> checkpoints;
  std::stringstream list(FLAGS_checkpoints);
  for (std::string item; std::getline(list, item, ',');) {
    checkpoints.push_back(std::stoi(item));
  }
  std::vector<std::string> uploads =
      ru_bench::SeededVariants(ru_bench::TemplateIr(FLAGS_template_ir),
                               checkpoints.back(), FLAGS_first_seed);

  double start_mb = ResidentMb(FLAGS_pid);
  std::vector<double> rss_mb;
  std::vector<double> code_kb;
  size_t next = 0;
  auto started = std::chrono::steady_clock::now();
  for (size_t i = 0; i < uploads.size(); ++i) {
    Json(client.Post(UpdatePath(), uploads[i]), "upload " + std::to_string(i));
    if (static_cast<int>(i) + 1 != checkpoints[next]) continue;
    // Old code is freed on the reclaimer's thread after a grace period.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    rss_mb.push_back(ResidentMb(FLAGS_pid));
    code_kb.push_back(ResidentCodeKb(client));
    std::printf(
        "after %d updates: resident %.1f MB, JIT code %.1f KB "
        "(%.1f s)\n",
        checkpoints[next], rss_mb.back(), code_kb.back(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                      started)
            .count());
    ++next;
  }

  const char* part = "5 memory";
  std::string first = std::to_string(checkpoints.front());
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    std::string after = "after " + std::to_string(checkpoints[i]) + " updates";
    bool last = i + 1 == checkpoints.size() && i > 0;
    double growth = rss_mb[i] - rss_mb.front();
    PrintRow(part, "resident memory " + after, Format("%.1f MB", rss_mb[i]),
             i == 0
                 ? "at start " + Format("%.1f MB", start_mb)
                 : "after " + first + ": " + Format("%.1f MB", rss_mb.front()),
             last ? "growth <= 20 MB" : "-",
             last ? ru_bench::AtMost(growth, 20, "MB") + " (growth " +
                        Format("%.1f MB", growth) + ")"
                  : "info");
    PrintRow(part, "resident JIT code " + after, Format("%.1f KB", code_kb[i]),
             i == 0
                 ? "-"
                 : "after " + first + ": " + Format("%.1f KB", code_kb.front()),
             "-", "info");
  }
  return 0;
}

int RunPush(HttpClient& client) {
  std::vector<std::string> uploads;
  std::stringstream list(FLAGS_files);
  for (std::string path; std::getline(list, path, ',');) {
    std::string bitcode;
    std::string error;
    if (!ru_bench::FileAsBitcode(path, &bitcode, &error)) Die(error);
    uploads.push_back(std::move(bitcode));
  }
  if (uploads.size() != 2) Die("--files needs two uploads");

  int failed = 0;
  std::vector<double> ms;
  for (int i = 0; i < FLAGS_count; ++i) {
    Reply reply = client.Post(UpdatePath(), uploads[i % 2]);
    if (reply.status != 200) {
      ++failed;
      std::fprintf(stderr, "push %d: HTTP %ld %s %s\n", i, reply.status,
                   reply.error.c_str(), reply.body.c_str());
    }
    ms.push_back(reply.ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(FLAGS_interval_ms));
  }
  Summary summary = Summarize(ms);
  std::printf("pushed %d updates, %d failed; p50 %.2f ms, p99 %.2f ms\n",
              FLAGS_count, failed, summary.p50, summary.p99);
  // For scripts/bench.sh, which builds part 4's rows with wrk's numbers.
  std::printf("PUSHED\t%d\t%d\t%s\n", FLAGS_count, failed,
              ru_bench::FormatMs(summary).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  // Servers that guard updates with a token read it from this variable.
  const char* token = std::getenv("RUNTIME_UPDATER_TOKEN");
  HttpClient client(FLAGS_url, token == nullptr ? "" : token);
  if (FLAGS_mode == "update") return RunUpdate(client);
  if (FLAGS_mode == "rollback") return RunRollback(client);
  if (FLAGS_mode == "memory") return RunMemory(client);
  if (FLAGS_mode == "push") return RunPush(client);
  Die("unknown --mode " + FLAGS_mode);
}
