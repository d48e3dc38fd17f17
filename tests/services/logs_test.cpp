#include "services/logs/logs.hpp"

#include "tests/support/app_fixture.hpp"

namespace {

using zonesim::json;
using zonesim::testing::AppTest;
using zonesim::testing::kTestEpoch;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

class LogsTest : public AppTest {
 protected:
  // Calls a Logs operation; returns the parsed body and keeps the status in `status`.
  json logs(const std::string& op, const json& body) {
    auto r = json_call("logs", "Logs_20140328." + op, body.is_null() ? "{}" : body.dump());
    status = r.status;
    last = r;
    return json::parse(r.body);
  }
  json ok(const std::string& op, const json& body) {
    json out = logs(op, body);
    EXPECT_EQ(status, 200) << op << " " << out.dump();
    return out;
  }
  void create_group(const std::string& name) { ok("CreateLogGroup", {{"logGroupName", name}}); }
  void create_stream(const std::string& group, const std::string& stream) {
    ok("CreateLogStream", {{"logGroupName", group}, {"logStreamName", stream}});
  }
  json put(const std::string& group, const std::string& stream,
           std::vector<std::pair<std::int64_t, std::string>> events) {
    json list = json::array();
    for (auto& [ts, m] : events) list.push_back({{"timestamp", ts}, {"message", m}});
    return ok("PutLogEvents",
              {{"logGroupName", group}, {"logStreamName", stream}, {"logEvents", list}});
  }
  static std::vector<std::string> messages(const json& out) {
    std::vector<std::string> m;
    for (auto& e : out["events"]) m.push_back(e["message"]);
    return m;
  }
  int status = 0;
  zonesim::http::Response last;
};

TEST_F(LogsTest, CreateAndDescribeLogGroupByPrefix) {
  create_group("/ecs/resilience-platform");
  create_group("/ecs/other");
  create_group("/rds/db");
  json out = ok("DescribeLogGroups", {{"logGroupNamePrefix", "/ecs/resilience-platform"}});
  ASSERT_EQ(out["logGroups"].size(), 1u) << out.dump();
  const json& g = out["logGroups"][0];
  EXPECT_EQ(g["logGroupName"], "/ecs/resilience-platform");
  EXPECT_EQ(g["arn"],
            "arn:aws:logs:eu-central-1:123456789012:log-group:/ecs/resilience-platform:*");
  EXPECT_EQ(g["logGroupArn"],
            "arn:aws:logs:eu-central-1:123456789012:log-group:/ecs/resilience-platform");
  EXPECT_EQ(g["creationTime"], kTestEpoch);
  EXPECT_EQ(g["metricFilterCount"], 0);
  EXPECT_EQ(g["storedBytes"], 0);
  EXPECT_EQ(g["logGroupClass"], "STANDARD");
  EXPECT_FALSE(g.contains("retentionInDays"));
  EXPECT_FALSE(g.contains("kmsKeyId"));
  out = ok("DescribeLogGroups", {{"logGroupNamePrefix", "/ecs/"}});
  ASSERT_EQ(out["logGroups"].size(), 2u);
  EXPECT_EQ(out["logGroups"][0]["logGroupName"], "/ecs/other");  // sorted by name
  EXPECT_FALSE(out.contains("nextToken"));
  out = ok("DescribeLogGroups", {{"logGroupNamePattern", "RESILIENCE"}});  // case-insensitive
  ASSERT_EQ(out["logGroups"].size(), 1u);
  logs("DescribeLogGroups", {{"logGroupNamePrefix", "/ecs"}, {"logGroupNamePattern", "ecs"}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(error_code(last), "InvalidParameterException");
}

TEST_F(LogsTest, CreateLogGroupValidationAndConflicts) {
  create_group("g");
  json out = logs("CreateLogGroup", {{"logGroupName", "g"}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(out["__type"], "ResourceAlreadyExistsException");
  EXPECT_EQ(out["message"], "The specified log group already exists");
  out = logs("CreateLogGroup", {{"logGroupName", "has space"}});
  EXPECT_EQ(out["__type"], "InvalidParameterException");
  EXPECT_NE(out["message"].get<std::string>().find("regular expression pattern"),
            std::string::npos);
  out = logs("CreateLogGroup", {{"logGroupName", std::string(513, 'a')}});
  EXPECT_EQ(out["__type"], "InvalidParameterException");
  out = logs("CreateLogGroup", {{"logGroupName", "c"}, {"logGroupClass", "COLD"}});
  EXPECT_EQ(out["__type"], "InvalidParameterException");
  ok("CreateLogGroup", {{"logGroupName", "ia"},
                        {"logGroupClass", "INFREQUENT_ACCESS"},
                        {"kmsKeyId", "arn:aws:kms:eu-central-1:123456789012:key/abc"},
                        {"tags", {{"team", "core"}}}});
  out = ok("DescribeLogGroups", {{"logGroupNamePrefix", "ia"}});
  EXPECT_EQ(out["logGroups"][0]["logGroupClass"], "INFREQUENT_ACCESS");
  EXPECT_EQ(out["logGroups"][0]["kmsKeyId"], "arn:aws:kms:eu-central-1:123456789012:key/abc");
  out = ok("ListTagsLogGroup", {{"logGroupName", "ia"}});
  EXPECT_EQ(out["tags"], json({{"team", "core"}}));

  out = logs("DeleteLogGroup", {{"logGroupName", "nope"}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(out["__type"], "ResourceNotFoundException");
  EXPECT_EQ(out["message"], "The specified log group does not exist.");
}

TEST_F(LogsTest, RetentionPolicyAcceptsOnlyAwsValues) {
  create_group("g");
  ok("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 7}});
  EXPECT_EQ(ok("DescribeLogGroups", json::object())["logGroups"][0]["retentionInDays"], 7);
  for (int bad : {0, 2, 4, 8, 366, 3654, -1}) {
    json out = logs("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", bad}});
    EXPECT_EQ(status, 400) << bad;
    EXPECT_EQ(out["__type"], "InvalidParameterException") << bad;
    EXPECT_EQ(out["message"],
              "1 validation error detected: Value '" + std::to_string(bad) +
                  "' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum "
                  "value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, "
                  "1096, 1827, 2192, 2557, 2922, 3288, 3653]");
  }
  for (int good : {1,   3,   5,   14,   30,   60,   90,   120,  150,  180, 365,
                   400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653})
    ok("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", good}});
  EXPECT_EQ(ok("DescribeLogGroups", json::object())["logGroups"][0]["retentionInDays"], 3653);
  ok("DeleteRetentionPolicy", {{"logGroupName", "g"}});
  EXPECT_FALSE(ok("DescribeLogGroups", json::object())["logGroups"][0].contains("retentionInDays"));
  json out = logs("PutRetentionPolicy", {{"logGroupName", "missing"}, {"retentionInDays", 7}});
  EXPECT_EQ(out["__type"], "ResourceNotFoundException");
}

TEST_F(LogsTest, DescribeLogGroupsPagesWithNextToken) {
  for (const char* n : {"/g/e", "/g/a", "/g/d", "/g/c", "/g/b"}) create_group(n);
  std::vector<std::string> seen;
  json body = {{"limit", 2}};
  int pages = 0;
  while (true) {
    json out = ok("DescribeLogGroups", body);
    EXPECT_LE(out["logGroups"].size(), 2u);
    for (auto& g : out["logGroups"]) seen.push_back(g["logGroupName"]);
    ++pages;
    if (!out.contains("nextToken") || pages > 5) break;
    body["nextToken"] = out["nextToken"];
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"/g/a", "/g/b", "/g/c", "/g/d", "/g/e"}));
  json out = logs("DescribeLogGroups", {{"nextToken", "zz-not-a-token"}});
  EXPECT_EQ(out["__type"], "InvalidParameterException");
  out = logs("DescribeLogGroups", {{"limit", 51}});
  EXPECT_EQ(out["__type"], "InvalidParameterException");
}

TEST_F(LogsTest, TagsByArnWithoutTheStarSuffix) {
  create_group("/ecs/app");
  const std::string arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/ecs/app";
  json out = ok("ListTagsForResource", {{"resourceArn", arn}});
  EXPECT_EQ(out, json({{"tags", json::object()}}));
  ok("TagResource", {{"resourceArn", arn}, {"tags", {{"a", "1"}, {"b", "2"}}}});
  ok("UntagResource", {{"resourceArn", arn}, {"tagKeys", {"a"}}});
  EXPECT_EQ(ok("ListTagsForResource", {{"resourceArn", arn}})["tags"], json({{"b", "2"}}));
  ok("TagLogGroup", {{"logGroupName", "/ecs/app"}, {"tags", {{"c", "3"}}}});
  ok("UntagLogGroup", {{"logGroupName", "/ecs/app"}, {"tags", {"b"}}});
  EXPECT_EQ(ok("ListTagsLogGroup", {{"logGroupName", "/ecs/app"}})["tags"], json({{"c", "3"}}));
  out = logs("ListTagsForResource",
             {{"resourceArn", "arn:aws:logs:eu-central-1:123456789012:log-group:/ecs/none"}});
  EXPECT_EQ(out["__type"], "ResourceNotFoundException");
  out = logs("ListTagsForResource", {{"resourceArn", arn + ":*"}});
  EXPECT_EQ(out["__type"], "ResourceNotFoundException");
  json many = json::object();
  for (int i = 0; i < 51; ++i) many["k" + std::to_string(i)] = "v";
  out = logs("TagResource", {{"resourceArn", arn}, {"tags", many}});
  EXPECT_EQ(status, 400);
}

TEST_F(LogsTest, LogStreamsLifecycleAndOrdering) {
  create_group("g");
  create_stream("g", "web/b");
  create_stream("g", "web/a");
  create_stream("g", "worker/c");
  json out = logs("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "web/a"}});
  EXPECT_EQ(out["__type"], "ResourceAlreadyExistsException");
  out = logs("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "bad:name"}});
  EXPECT_EQ(out["__type"], "InvalidParameterException");
  out = logs("CreateLogStream", {{"logGroupName", "nope"}, {"logStreamName", "s"}});
  EXPECT_EQ(out["__type"], "ResourceNotFoundException");

  out = ok("DescribeLogStreams", {{"logGroupName", "g"}, {"logStreamNamePrefix", "web/"}});
  ASSERT_EQ(out["logStreams"].size(), 2u);
  EXPECT_EQ(out["logStreams"][0]["logStreamName"], "web/a");
  EXPECT_EQ(out["logStreams"][0]["arn"],
            "arn:aws:logs:eu-central-1:123456789012:log-group:g:log-stream:web/a");
  EXPECT_EQ(out["logStreams"][0]["creationTime"], kTestEpoch);
  EXPECT_FALSE(out["logStreams"][0].contains("lastEventTimestamp"));

  put("g", "worker/c", {{kTestEpoch - 1000, "old"}});
  put("g", "web/b", {{kTestEpoch - 10, "newer"}});
  out = ok("DescribeLogStreams",
           {{"logGroupName", "g"}, {"orderBy", "LastEventTime"}, {"descending", true}});
  std::vector<std::string> order;
  for (auto& s : out["logStreams"]) order.push_back(s["logStreamName"]);
  EXPECT_EQ(order, (std::vector<std::string>{"web/b", "worker/c", "web/a"}));
  EXPECT_EQ(out["logStreams"][0]["lastEventTimestamp"], kTestEpoch - 10);
  out = logs("DescribeLogStreams",
             {{"logGroupName", "g"}, {"orderBy", "LastEventTime"}, {"logStreamNamePrefix", "w"}});
  EXPECT_EQ(out["__type"], "InvalidParameterException");

  // Paging.
  out = ok("DescribeLogStreams", {{"logGroupName", "g"}, {"limit", 2}});
  ASSERT_EQ(out["logStreams"].size(), 2u);
  ASSERT_TRUE(out.contains("nextToken"));
  out = ok("DescribeLogStreams",
           {{"logGroupName", "g"}, {"limit", 2}, {"nextToken", out["nextToken"]}});
  ASSERT_EQ(out["logStreams"].size(), 1u);
  EXPECT_EQ(out["logStreams"][0]["logStreamName"], "worker/c");

  // By identifier (an ARN, with or without ":*").
  out = ok("DescribeLogStreams",
           {{"logGroupIdentifier", "arn:aws:logs:eu-central-1:123456789012:log-group:g:*"}});
  EXPECT_EQ(out["logStreams"].size(), 3u);

  ok("DeleteLogStream", {{"logGroupName", "g"}, {"logStreamName", "web/a"}});
  out = logs("DeleteLogStream", {{"logGroupName", "g"}, {"logStreamName", "web/a"}});
  EXPECT_EQ(out["__type"], "ResourceNotFoundException");
  EXPECT_EQ(out["message"], "The specified log stream does not exist.");
}

TEST_F(LogsTest, PutLogEventsRulesFollowTheSimulatedClock) {
  create_group("g");
  create_stream("g", "s");
  json out = logs("PutLogEvents", {{"logGroupName", "g"},
                                   {"logStreamName", "s"},
                                   {"logEvents",
                                    {{{"timestamp", kTestEpoch}, {"message", "b"}},
                                     {{"timestamp", kTestEpoch - 1}, {"message", "a"}}}}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(out["__type"], "InvalidParameterException");
  EXPECT_EQ(out["message"],
            "Log events in a single PutLogEvents request must be in chronological order.");
  out = logs("PutLogEvents", {{"logGroupName", "g"},
                              {"logStreamName", "s"},
                              {"logEvents",
                               {{{"timestamp", kTestEpoch - 2 * kDay}, {"message", "a"}},
                                {{"timestamp", kTestEpoch}, {"message", "b"}}}}});
  EXPECT_EQ(out["__type"], "InvalidParameterException");  // spans more than 24 hours
  out = logs("PutLogEvents", {{"logGroupName", "g"},
                              {"logStreamName", "nope"},
                              {"logEvents", {{{"timestamp", kTestEpoch}, {"message", "a"}}}}});
  EXPECT_EQ(out["__type"], "ResourceNotFoundException");

  // Two weeks and a bit in the past is too old; more than two hours ahead is too new.
  app_->advance_to(kTestEpoch + 20 * kDay);
  const std::int64_t now = kTestEpoch + 20 * kDay;
  out = put("g", "s",
            {{now - 14 * kDay - 2 * kHour, "too old 1"},
             {now - 14 * kDay - kHour, "too old 2"},
             {now - 14 * kDay + kHour, "kept 1"}});
  EXPECT_EQ(out["rejectedLogEventsInfo"]["tooOldLogEventEndIndex"], 2);  // exclusive
  EXPECT_FALSE(out["rejectedLogEventsInfo"].contains("tooNewLogEventStartIndex"));
  EXPECT_FALSE(out["rejectedLogEventsInfo"].contains("expiredLogEventEndIndex"));
  EXPECT_TRUE(out["nextSequenceToken"].is_string());
  out = put("g", "s",
            {{now - kHour, "kept 2"},
             {now + 2 * kHour, "kept 3"},
             {now + 2 * kHour + 1, "too new 1"},
             {now + 3 * kHour, "too new 2"}});
  EXPECT_EQ(out["rejectedLogEventsInfo"]["tooNewLogEventStartIndex"], 2);  // inclusive
  EXPECT_FALSE(out["rejectedLogEventsInfo"].contains("tooOldLogEventEndIndex"));
  json events = ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  EXPECT_EQ(messages(events), (std::vector<std::string>{"kept 1", "kept 2", "kept 3"}));
  EXPECT_EQ(events["events"][0]["ingestionTime"], now);
  // Everything accepted: no rejectedLogEventsInfo.
  out = put("g", "s", {{now, "kept 4"}});
  EXPECT_FALSE(out.contains("rejectedLogEventsInfo"));

  // With a retention period, events older than it are expired.
  ok("PutRetentionPolicy", {{"logGroupName", "g"}, {"retentionInDays", 1}});
  out = put("g", "s", {{now - kDay - kHour, "expired"}, {now - kHour, "kept 5"}});
  EXPECT_EQ(out["rejectedLogEventsInfo"]["expiredLogEventEndIndex"], 1);
  // Accepted events count into storedBytes.
  EXPECT_EQ(ok("DescribeLogGroups", json::object())["logGroups"][0]["storedBytes"],
            std::string("kept 1kept 2kept 3kept 4kept 5").size());
  json s = ok("DescribeLogStreams", {{"logGroupName", "g"}})["logStreams"][0];
  EXPECT_EQ(s["firstEventTimestamp"], now - 14 * kDay + kHour);
  EXPECT_EQ(s["lastEventTimestamp"], now + 2 * kHour);
  EXPECT_EQ(s["lastIngestionTime"], now);
}

TEST_F(LogsTest, GetLogEventsTokensPageBothWays) {
  create_group("g");
  create_stream("g", "s");
  std::vector<std::pair<std::int64_t, std::string>> batch;
  for (int i = 0; i < 7; ++i) batch.emplace_back(kTestEpoch - 1000 + i, "m" + std::to_string(i));
  put("g", "s", batch);
  json base = {{"logGroupName", "g"}, {"logStreamName", "s"}};

  // Default: the newest events; startFromHead: the oldest.
  json tail = base;
  tail["limit"] = 3;
  json out = ok("GetLogEvents", tail);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"m4", "m5", "m6"}));
  json head = tail;
  head["startFromHead"] = true;
  out = ok("GetLogEvents", head);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"m0", "m1", "m2"}));
  std::string f = out["nextForwardToken"], b = out["nextBackwardToken"];
  EXPECT_EQ(f.rfind("f/", 0), 0u);
  EXPECT_EQ(b.rfind("b/", 0), 0u);

  // Forward to the end: the last call returns no events and the same token.
  std::vector<std::string> all = messages(out);
  for (int guard = 0; guard < 10; ++guard) {
    json req = tail;
    req["nextToken"] = f;
    out = ok("GetLogEvents", req);
    if (out["events"].empty()) {
      EXPECT_EQ(out["nextForwardToken"], f);
      break;
    }
    for (auto& m : messages(out)) all.push_back(m);
    f = out["nextForwardToken"];
  }
  EXPECT_EQ(all, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4", "m5", "m6"}));

  // New events appear after the forward token.
  put("g", "s", {{kTestEpoch, "m7"}});
  json req = tail;
  req["nextToken"] = f;
  EXPECT_EQ(messages(ok("GetLogEvents", req)), (std::vector<std::string>{"m7"}));

  // Backward from the newest page.
  out = ok("GetLogEvents", tail);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"m5", "m6", "m7"}));
  req = tail;
  req["nextToken"] = out["nextBackwardToken"];
  out = ok("GetLogEvents", req);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"m2", "m3", "m4"}));
  req["nextToken"] = out["nextBackwardToken"];
  out = ok("GetLogEvents", req);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"m0", "m1"}));
  req["nextToken"] = out["nextBackwardToken"];
  out = ok("GetLogEvents", req);
  EXPECT_TRUE(out["events"].empty());
  EXPECT_EQ(out["nextBackwardToken"], req["nextToken"]);

  // Time window: start inclusive, end exclusive.
  req = base;
  req["startTime"] = kTestEpoch - 998;
  req["endTime"] = kTestEpoch - 995;
  req["startFromHead"] = true;
  EXPECT_EQ(messages(ok("GetLogEvents", req)), (std::vector<std::string>{"m2", "m3", "m4"}));

  req = base;
  req["nextToken"] = "x/123";
  EXPECT_EQ(logs("GetLogEvents", req)["__type"], "InvalidParameterException");
  req = base;
  req["logStreamName"] = "nope";
  EXPECT_EQ(logs("GetLogEvents", req)["__type"], "ResourceNotFoundException");
}

TEST_F(LogsTest, FilterLogEventsMatchesTermsAcrossStreams) {
  create_group("g");
  create_stream("g", "a");
  create_stream("g", "b");
  put("g", "a", {{kTestEpoch - 30, "INFO started"}, {kTestEpoch - 10, "ERROR disk full"}});
  put("g", "b", {{kTestEpoch - 20, "ERROR timeout talking to db"}, {kTestEpoch - 5, "WARN slow"}});
  json out = ok("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "ERROR"}});
  EXPECT_EQ(messages(out),
            (std::vector<std::string>{"ERROR timeout talking to db", "ERROR disk full"}));
  EXPECT_EQ(out["events"][0]["logStreamName"], "b");
  EXPECT_TRUE(out["events"][0]["eventId"].is_string());
  EXPECT_FALSE(out.contains("nextToken"));
  out = ok("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "ERROR -disk"}});
  EXPECT_EQ(messages(out), (std::vector<std::string>{"ERROR timeout talking to db"}));
  out = ok("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "?WARN ?INFO"}});
  EXPECT_EQ(messages(out), (std::vector<std::string>{"INFO started", "WARN slow"}));
  out = ok("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "\"talking to\""}});
  EXPECT_EQ(messages(out).size(), 1u);
  out = ok("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", "error"}});
  EXPECT_TRUE(out["events"].empty());  // terms are case-sensitive
  out = ok("FilterLogEvents", {{"logGroupName", "g"}, {"logStreamNames", {"a"}}});
  EXPECT_EQ(messages(out), (std::vector<std::string>{"INFO started", "ERROR disk full"}));
  out = ok("FilterLogEvents",
           {{"logGroupName", "g"}, {"startTime", kTestEpoch - 20}, {"endTime", kTestEpoch - 10}});
  EXPECT_EQ(messages(out),
            (std::vector<std::string>{"ERROR timeout talking to db", "ERROR disk full"}));

  // Paging with nextToken.
  out = ok("FilterLogEvents", {{"logGroupName", "g"}, {"limit", 3}});
  ASSERT_EQ(out["events"].size(), 3u);
  ASSERT_TRUE(out.contains("nextToken"));
  out =
      ok("FilterLogEvents", {{"logGroupName", "g"}, {"limit", 3}, {"nextToken", out["nextToken"]}});
  EXPECT_EQ(messages(out), (std::vector<std::string>{"WARN slow"}));
  EXPECT_FALSE(out.contains("nextToken"));
}

TEST_F(LogsTest, AppendLogEventCreatesTheStreamAndDeleteGroupRemovesEverything) {
  create_group("/ecs/app");
  auto& env = app_->env();
  env.store.begin();
  zonesim::logs::append_log_event(env, "123456789012/eu-central-1", "/ecs/app", "ecs/web/task1",
                                  kTestEpoch, "task started");
  zonesim::logs::append_log_event(env, "123456789012/eu-central-1", "/ecs/app", "ecs/web/task1",
                                  kTestEpoch + 1, "listening on :8080");
  EXPECT_THROW(zonesim::logs::append_log_event(env, "123456789012/eu-central-1", "/ecs/none", "s",
                                               kTestEpoch, "x"),
               zonesim::AwsError);
  env.store.commit();
  EXPECT_TRUE(zonesim::logs::log_group_exists(env, "123456789012/eu-central-1", "/ecs/app"));
  EXPECT_FALSE(zonesim::logs::log_group_exists(env, "123456789012/eu-west-1", "/ecs/app"));
  json out = ok(
      "GetLogEvents",
      {{"logGroupName", "/ecs/app"}, {"logStreamName", "ecs/web/task1"}, {"startFromHead", true}});
  EXPECT_EQ(messages(out), (std::vector<std::string>{"task started", "listening on :8080"}));

  ok("DeleteLogGroup", {{"logGroupName", "/ecs/app"}});
  EXPECT_TRUE(ok("DescribeLogGroups", json::object())["logGroups"].empty());
  create_group("/ecs/app");
  EXPECT_TRUE(ok("DescribeLogStreams", {{"logGroupName", "/ecs/app"}})["logStreams"].empty());
}

}  // namespace
