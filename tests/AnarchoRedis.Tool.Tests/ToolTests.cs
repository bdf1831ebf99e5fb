using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using AnarchoRedis.Testing;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.Tool.Tests;

/// <summary>The <c>anarcho</c> commands against real redis-servers: what they print, their JSON and their exit codes.</summary>
public sealed class ToolTests(ITestOutputHelper output)
{
    public sealed record Note
    {
        public int Id { get; set; }

        public string Text { get; set; } = "";
    }

    private static readonly ReplicatedValueDescriptor<Note> Notes = new("tool.note", "note:{Id}");
    private static readonly ReplicatedListDescriptor<Note> Feed = new("tool.feed", "feed:{Id}");

    /// <summary>A client of some nodes only: what it writes, the others miss.</summary>
    private static Task<AnarchoRedisClient> ClientAsync(LocalCluster cluster, params int[] nodes) =>
        AnarchoRedisClient.ConnectAsync(new AnarchoRedisOptions
        {
            Nodes = nodes.Select(i => cluster.EndPoints[i]).ToList(),
            Hints = { Enabled = false },
        });

    /// <summary>Runs the tool and shows what it printed in the test's output (dotnet test --logger "console;verbosity=detailed").</summary>
    private async Task<ToolRun> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = await ToolRun.RunAsync(args, environment);
        output.WriteLine("$ anarcho " + string.Join(' ', args));
        output.WriteLine(run.ToString());
        return run;
    }

    /// <summary>What an application's first client does to new nodes: gives each its epoch (the tool never writes one).</summary>
    private static async Task UsedByAnApplicationAsync(LocalCluster cluster)
    {
        await using var client = await ClientAsync(cluster, [.. Enumerable.Range(0, cluster.Nodes.Count)]);
    }

    [Fact]
    public async Task Status_shows_every_node_ready_with_exit_code_0_and_a_killed_node_gives_exit_code_2()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var fresh = await RunAsync(["status", "--json", .. ToolRun.NodeArgs(cluster)]);
        Assert.True(fresh.ExitCode == 1, fresh.ToString());
        Assert.All(fresh.Document.GetProperty("nodes").EnumerateArray(), n => Assert.Equal(JsonValueKind.Null, n.GetProperty("epochId").ValueKind));
        await UsedByAnApplicationAsync(cluster);

        var run = await RunAsync(["status", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("3/3 nodes ready", run.Console, StringComparison.Ordinal);
        foreach (var endPoint in cluster.EndPoints)
        {
            Assert.Contains(endPoint, run.Console, StringComparison.Ordinal);
        }

        cluster[1].Kill();
        run = await RunAsync(["status", "--json", "--timeout", "0.5", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(run.ExitCode == 2, run.ToString());
        var nodes = run.Document.GetProperty("nodes").EnumerateArray().ToArray();
        Assert.Equal([true, false, true], nodes.Select(n => n.GetProperty("reachable").GetBoolean()));
        Assert.Equal("ready", nodes[0].GetProperty("epochState").GetString());
        Assert.Equal(JsonValueKind.String, nodes[1].GetProperty("error").ValueKind);
        Assert.Equal(2, run.Document.GetProperty("ready").GetInt32());
        Assert.Equal(2, run.Document.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Status_lists_each_cluster_nodes_shards_with_their_slots_keys_and_state_and_names_a_killed_shard()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3, ClusterMode = true, ShardsPerReplica = 3 });
        await using (var app = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(o => o.Hints.Enabled = false)))
        {
            for (var i = 0; i < 30; i++)
            {
                await app.GetValueStore(Notes).SetAsync($"note:{i}", new Note { Id = i, Text = "t" }, WriteOptions.All);
            }
        }

        var run = await RunAsync(["status", "--json", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var nodes = run.Document.GetProperty("nodes").EnumerateArray().ToArray();
        Assert.Equal(3, nodes.Length);
        foreach (var node in nodes)
        {
            var shards = node.GetProperty("shards").EnumerateArray().ToArray();
            Assert.Equal(3, shards.Length);
            Assert.Equal(HashSlot.Count, shards.Sum(s => s.GetProperty("slotCount").GetInt32()));
            Assert.All(shards, s =>
            {
                Assert.True(s.GetProperty("reachable").GetBoolean());
                Assert.Equal("ready", s.GetProperty("state").GetString());
                Assert.Equal("ready", s.GetProperty("epochState").GetString());
                Assert.True(s.GetProperty("keys").GetInt64() > 0);
                Assert.Matches(@"^\d+-\d+$", s.GetProperty("slots")[0].GetString());
            });
            Assert.Equal(shards.Sum(s => s.GetProperty("keys").GetInt64()), node.GetProperty("keys").GetInt64());
        }

        var table = await RunAsync(["status", .. ToolRun.NodeArgs(cluster)]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("3/3 nodes ready", table.Console, StringComparison.Ordinal);
        Assert.DoesNotContain("no epoch", table.Console, StringComparison.Ordinal);
        foreach (var shard in cluster.Replicas.SelectMany(r => r.Shards))
        {
            Assert.Contains(shard.Primary.EndPoint, table.Console, StringComparison.Ordinal);
        }

        // The other commands take cluster nodes too.
        var diff = await RunAsync(["diff", "--json", .. ToolRun.NodeArgs(cluster)]);
        Assert.True(diff.ExitCode == 0, diff.ToString());

        var dead = cluster.Replicas[1].Shards[2].Primary;
        dead.Kill();
        run = await RunAsync(["status", "--json", "--timeout", "0.5", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(run.ExitCode == 2, run.ToString());
        nodes = run.Document.GetProperty("nodes").EnumerateArray().ToArray();
        Assert.Equal([true, false, true], nodes.Select(n => n.GetProperty("reachable").GetBoolean()));
        var deadShard = Assert.Single(nodes[1].GetProperty("shards").EnumerateArray(), s => !s.GetProperty("reachable").GetBoolean());
        Assert.Equal(dead.EndPoint, deadShard.GetProperty("endPoint").GetString());
        Assert.Equal("down", deadShard.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Diff_names_the_slots_a_node_missed_repair_heals_them_without_the_applications_types_and_diff_is_then_clean()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using (var all = await ClientAsync(cluster, 0, 1, 2))
        {
            await all.GetValueStore(Notes).SetAsync("note:1", new Note { Id = 1, Text = "everyone" }, WriteOptions.All);
        }

        await using (var two = await ClientAsync(cluster, 0, 1))
        {
            await two.GetValueStore(Notes).SetAsync("note:2", new Note { Id = 2, Text = "missed by node 2" });
            await two.GetListStore(Feed).PushRightAsync("feed:2", [new Note { Text = "a" }, new Note { Text = "b" }]);
        }

        var diff = await RunAsync(["diff", "--json", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(diff.ExitCode == 1, diff.ToString());
        Assert.False(diff.Document.GetProperty("inSync").GetBoolean());
        Assert.Equal(
            new[] { HashSlot.Of("note:2"), HashSlot.Of("feed:2") }.Distinct().Order(),
            diff.Document.GetProperty("differingSlots").EnumerateArray().Select(e => e.GetInt32()));

        var table = await RunAsync(["diff", .. ToolRun.NodeArgs(cluster)]);
        Assert.Equal(1, table.ExitCode);
        Assert.Contains("slots differ", table.Console, StringComparison.Ordinal);
        Assert.Contains(HashSlot.Of("note:2").ToString(System.Globalization.CultureInfo.InvariantCulture), table.Console, StringComparison.Ordinal);

        var repair = await RunAsync(["repair", "--json", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(repair.ExitCode == 0, repair.ToString());
        Assert.Equal(1, repair.Document.GetProperty("valuesRepaired").GetInt64());
        Assert.Equal(1, repair.Document.GetProperty("listsRepaired").GetInt64());
        Assert.True(repair.Document.GetProperty("clean").GetBoolean());
        Assert.Empty(await KeyspaceComparison.CompareAsync(cluster.Nodes));

        diff = await RunAsync(["diff", "--json", .. ToolRun.NodeArgs(cluster)]);
        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Empty(diff.Document.GetProperty("differingSlots").EnumerateArray());
    }

    [Fact]
    public async Task Inspect_marks_the_stale_copy_then_agrees_after_a_repair_and_a_table_run_says_which_node_is_stale()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using (var all = await ClientAsync(cluster, 0, 1, 2))
        {
            await all.GetValueStore(Notes).SetAsync("note:7", new Note { Id = 7, Text = "old" }, WriteOptions.All);
        }

        await using (var two = await ClientAsync(cluster, 0, 1))
        {
            await two.GetValueStore(Notes).SetAsync("note:7", new Note { Id = 7, Text = "new" });
        }

        var run = await RunAsync(["inspect", "note:7", "--json", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var replicas = run.Document.GetProperty("replicas").EnumerateArray().ToArray();
        Assert.Equal([false, false, true], replicas.Select(r => r.GetProperty("stale").GetBoolean()));
        Assert.Equal(run.Document.GetProperty("newest").GetString(), replicas[0].GetProperty("version").GetString());
        Assert.NotEqual(replicas[0].GetProperty("version").GetString(), replicas[2].GetProperty("version").GetString());
        Assert.Equal("tool.note", replicas[2].GetProperty("typeName").GetString());
        Assert.Equal("value", replicas[2].GetProperty("kind").GetString());

        var table = await RunAsync(["inspect", "note:7", .. ToolRun.NodeArgs(cluster)]);
        var staleLine = table.Console.Split('\n').Single(l => l.Contains("stale", StringComparison.Ordinal));
        Assert.Contains(cluster.EndPoints[2], staleLine, StringComparison.Ordinal);
        Assert.Contains("the copies differ", table.Console, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync(["repair", .. ToolRun.NodeArgs(cluster)])).ExitCode);
        run = await RunAsync(["inspect", "note:7", "--json", .. ToolRun.NodeArgs(cluster)]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(run.Document.GetProperty("agree").GetBoolean());
    }

    [Fact]
    public async Task A_node_restarted_empty_shows_no_epoch_the_tool_writes_none_even_when_it_sees_that_node_alone_and_its_repair_refills_the_node_but_leaves_ready_to_the_application()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using (var all = await ClientAsync(cluster, 0, 1, 2))
        {
            await all.GetValueStore(Notes).SetAsync("note:1", new Note { Id = 1, Text = "kept" }, WriteOptions.All);
        }

        await cluster[2].RestartAsync(RestartMode.LoseData);

        // Given only the wiped node, a client that writes epochs would take it for a new cluster and call it ready.
        var alone = await RunAsync(["status", "--json", "--node", cluster.EndPoints[2]]);
        Assert.True(alone.ExitCode == 1, alone.ToString());
        Assert.False(await cluster[2].Db.KeyExistsAsync(AnarchoRedisOptions.DefaultEpochKey));

        var status = await RunAsync(["status", .. ToolRun.NodeArgs(cluster)]);
        Assert.True(status.ExitCode == 1, status.ToString());
        Assert.Contains("no epoch", status.Console, StringComparison.Ordinal);
        Assert.False(await cluster[2].Db.KeyExistsAsync(AnarchoRedisOptions.DefaultEpochKey));

        // An application client marks it filling; the tool's pass refills it but does not set it ready.
        await using var application = await ClientAsync(cluster, 0, 1, 2);
        var repair = await RunAsync(["repair", .. ToolRun.NodeArgs(cluster)]);
        Assert.True(repair.ExitCode == 0, repair.ToString());
        Assert.Contains("values repaired", repair.Console, StringComparison.Ordinal);
        Assert.Empty(await KeyspaceComparison.CompareAsync(cluster.Nodes));
        status = await RunAsync(["status", "--json", .. ToolRun.NodeArgs(cluster)]);
        Assert.True(status.ExitCode == 1, status.ToString());
        Assert.Equal("filling", status.Document.GetProperty("nodes")[2].GetProperty("epochState").GetString());

        // The application's own pass (it writes epochs) sets it ready.
        Assert.True((await new AntiEntropyRunner(application, new ReplicatedTypeRegistry(Notes)).RunPassAsync()).IsClean);
        status = await RunAsync(["status", "--json", .. ToolRun.NodeArgs(cluster)]);
        Assert.True(status.ExitCode == 0, status.ToString());
    }

    [Fact]
    public async Task Without_the_applications_key_names_the_tool_refuses_to_compare_instead_of_calling_empty_names_in_sync_and_writes_nothing()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using (var application = await AnarchoRedisClient.ConnectAsync(new AnarchoRedisOptions
        {
            Nodes = [.. cluster.EndPoints],
            EpochKey = "app_epoch",
            MetaKeyPrefix = "app_meta:",
            Hints = { Enabled = false },
        }))
        {
            await application.GetValueStore(Notes).SetAsync("note:1", new Note { Id = 1 }, WriteOptions.All);
        }

        var before = await Task.WhenAll(cluster.Nodes.Select(n => n.Server.DatabaseSizeAsync()));
        var diff = await RunAsync(["diff", "--json", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(diff.ExitCode == 2, diff.ToString());
        Assert.Contains("--config", diff.Errors, StringComparison.Ordinal);
        Assert.Equal("", diff.Json);
        Assert.Equal(before, await Task.WhenAll(cluster.Nodes.Select(n => n.Server.DatabaseSizeAsync())));

        var file = Path.Combine(Path.GetTempPath(), $"anarcho-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { AnarchoRedis = new { EpochKey = "app_epoch", MetaKeyPrefix = "app_meta:" } }));
        try
        {
            var configured = await RunAsync(["inspect", "note:1", "--json", "--config", file, .. ToolRun.NodeArgs(cluster)]);
            Assert.True(configured.ExitCode == 0, configured.ToString());
            Assert.Equal("app_meta:{note:1}", configured.Document.GetProperty("metaKey").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Inspect_reports_a_meta_key_of_the_wrong_type_as_a_differing_copy_not_as_a_node_down()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using (var all = await ClientAsync(cluster, 0, 1, 2))
        {
            await all.GetValueStore(Notes).SetAsync("note:1", new Note { Id = 1 }, WriteOptions.All);
        }

        await cluster[1].Db.KeyDeleteAsync("anrcho_version:{note:1}");
        await cluster[1].Db.StringSetAsync("anrcho_version:{note:1}", "not a hash");

        var run = await RunAsync(["inspect", "note:1", "--json", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var node1 = run.Document.GetProperty("replicas")[1];
        Assert.True(node1.GetProperty("reachable").GetBoolean());
        Assert.True(node1.GetProperty("stale").GetBoolean());
        Assert.Contains("WRONGTYPE", node1.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nodes_come_from_ANARCHO_NODES_or_from_a_configuration_file_and_watch_prints_a_json_line_per_refresh()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await UsedByAnApplicationAsync(cluster);
        var fromEnvironment = await RunAsync(["status", "--json"], new Dictionary<string, string> { ["ANARCHO_NODES"] = string.Join(';', cluster.EndPoints) });
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        Assert.Equal(3, fromEnvironment.Document.GetProperty("total").GetInt32());

        var file = Path.Combine(Path.GetTempPath(), $"anarcho-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { AnarchoRedis = new { Nodes = cluster.EndPoints } }));
        try
        {
            var watch = await RunAsync(["watch", "--config", file, "--json", "--count", "2", "--interval", "0.1"]);

            Assert.True(watch.ExitCode == 0, watch.ToString());
            var lines = watch.Json.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.All(lines, line =>
            {
                var document = JsonDocument.Parse(line).RootElement;
                Assert.Equal(3, document.GetProperty("nodes").GetArrayLength());
                Assert.True(document.GetProperty("slots").GetProperty("inSync").GetBoolean());
            });

            var table = await RunAsync(["watch", "--config", file, "--count", "1"]);
            Assert.True(table.ExitCode == 0, table.ToString());
            Assert.Contains("3/3 nodes ready", table.Console, StringComparison.Ordinal);
            Assert.Contains("in sync", table.Console, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(new[] { "status" }, "No nodes")]
    [InlineData(new[] { "status", "--config", "/nonexistent/appsettings.json" }, "does not exist")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "status", "--timeout", "-1", "--node", "127.0.0.1:1" }, "--timeout")]
    [InlineData(new[] { "inspect", "--node", "127.0.0.1:1" }, "KEY")]
    [InlineData(new[] { "repair", "--scna", "--node", "127.0.0.1:1" }, "scna")]
    public async Task Usage_errors_exit_with_code_2_and_say_what_is_wrong_on_standard_error(string[] args, string message)
    {
        var run = await RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(message, run.Errors, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("", run.Json);
    }

    [Fact]
    public async Task Inspecting_a_key_the_library_cannot_hold_is_a_usage_error()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1, Proxies = false });
        await UsedByAnApplicationAsync(cluster);

        var run = await RunAsync(["inspect", "anrcho_version:x", .. ToolRun.NodeArgs(cluster)]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("anrcho_version:", run.Errors, StringComparison.Ordinal);
    }
}
