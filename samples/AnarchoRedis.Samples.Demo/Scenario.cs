using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Samples.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis.Samples.Demo;

/// <summary>
/// The scripted story: writes under load, node C killed, writes go on at W = 2, C restarted empty (filling), reads
/// repair the keys they touch, one anti-entropy pass repairs the rest, and a byte-for-byte comparison of the nodes.
/// </summary>
internal static class Scenario
{
    private const string FeedName = "demo";
    private const int Steps = 7;
    private static readonly int[] ShownUsers = [1, 2, 3, 4];

    /// <summary>Runs the story; true when every node ended identical.</summary>
    public static async Task<bool> RunAsync(IReadOnlyList<IDemoNode> nodes, DemoView view, DemoLog log, CancellationToken ct)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(log).SetMinimumLevel(LogLevel.Warning));
        services.AddAnarchoRedis(options =>
        {
            options.Nodes = nodes.Select(n => n.EndPoint).ToList();
            options.WriteConsistency = Consistency.Quorum; // W = 2 of 3
            options.ReadConsistency = Consistency.Quorum;  // R = 2 of 3
            options.NodeTimeout = TimeSpan.FromSeconds(2); // generous: the demo also runs on busy CI machines

            // Hints (on by default) would replay the writes C missed as soon as it answers again; off here, so that
            // what you see healing C is read repair and anti-entropy alone.
            options.Hints.Enabled = false;
        });
        services.AddAnarchoRedisSamplesModelsRepositories();

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var client = provider.GetRequiredService<AnarchoRedisClient>();
        var users = provider.GetRequiredService<IUserRepository>();
        var feed = provider.GetRequiredService<IFeedEntryListRepository>();
        var runner = provider.GetRequiredService<AntiEntropyRunner>();
        await using var inspector = await Inspector.ConnectAsync(nodes);
        var keys = ShownUsers.Select(id => Watched(UserRepository.FormatKey(id), isList: false))
            .Append(Watched(FeedEntryListRepository.FormatKey(FeedName), isList: true)).ToList();
        var watch = new Watch(nodes, inspector, client, keys);
        await using var load = new LoadWriter(users);
        var c = nodes.Count - 1;
        var owned = nodes[c].OwnedByDemo;

        Console.WriteLine($"AnarchoRedis client: N={client.Nodes.Count}, W=2, R=2 (quorum), hints off, writer id {client.Clock.WriterId:x16}.");
        view.TotalSteps = Steps;
        return await view.RunAsync(watch, load.ToString, async () =>
        {
            view.Step(1, "writes under load",
                "Each write goes to A, B and C at once (one Lua script per node, versioned by a hybrid logical clock) and returns after 2 acknowledgements.");
            var writes = await users.SetManyAsync(
                [.. ShownUsers.Select(id => NewUser(id, visits: 1)), .. Enumerable.Range(LoadWriter.FirstId, LoadWriter.Count).Select(id => NewUser(id, visits: 0))],
                cancellationToken: ct);
            var pushed = await feed.PushRightAsync(FeedName, [Entry("ada signed up"), Entry("grace signed up"), Entry("ada renamed her profile")], cancellationToken: ct);
            load.Start();
            view.Note($"SetManyAsync wrote {writes.Count(w => w.IsSuccess)} users; PushRightAsync feed:{FeedName} -> {pushed.Length} entries; a background writer now updates user:{LoadWriter.FirstId}..{LoadWriter.FirstId + LoadWriter.Count - 1}.");
            await WaitUntilAsync(async () => (await watch.SnapshotAsync()).Rows.All(r => r.Cells.All(x => x.State == CellState.Fresh)), ct);
            await view.StepDoneAsync(ct);

            view.Step(2, owned ? "node C is killed" : "node C is cut off",
                owned
                    ? "Its server stops and its memory is gone. No failover, no leader election: the client's circuit for C opens after a few failed calls."
                    : "Its connection is cut (the demo never stops or wipes a node it did not start). The client's circuit for C opens after a few failed calls.");
            var down = Stopwatch.StartNew();
            await nodes[c].StopAsync();
            await WaitUntilAsync(() => Task.FromResult(client.Health[c].State == NodeHealthState.Open), ct, TimeSpan.FromSeconds(10));
            view.Note($"the client marked C down after {down.ElapsedMilliseconds} ms; the background writer kept going ({load.Failed} writes failed).");
            await view.StepDoneAsync(ct);

            view.Step(3, "writes continue with 2 of 3 nodes",
                "W = 2: A and B alone make a quorum, so updates, a delete and list pushes all succeed. C misses every one of them.");
            var update = default(WriteResult);
            foreach (var id in new[] { 1, 2, 4 })
            {
                update = await users.SetAsync(NewUser(id, visits: 2), cancellationToken: ct);
            }

            var deleted = await users.DeleteAsync(3, cancellationToken: ct);
            var more = await feed.PushRightAsync(FeedName, [Entry("grace posted"), Entry("ada replied")], cancellationToken: ct);
            view.Note($"user:1, user:2, user:4 updated ({update.Acknowledged} of {update.Required} required acknowledgements), user:3 deleted (a tombstone at {deleted.Acknowledged} nodes), feed:{FeedName} now {more.Length} entries.");
            await Task.Delay(view.Live ? TimeSpan.Zero : TimeSpan.FromMilliseconds(500), ct); // live, the step's pause keeps the load going
            await view.StepDoneAsync(ct);

            view.Step(4, owned ? "node C restarts empty" : "node C comes back",
                owned
                    ? "A new, empty server on C's port. Its epoch key is gone, so the client marks C filling: it takes writes, but its reads do not count toward R (an empty node must not answer \"not found\" for data it lost)."
                    : "The connection is restored; C kept its data (the demo never wipes a node it did not start), so it is stale rather than empty.");
            var back = Stopwatch.StartNew();
            await nodes[c].StartAsync();
            await WaitUntilAsync(() => Task.FromResult(client.Health[c].State is not (NodeHealthState.Open or NodeHealthState.Unverified)), ct, TimeSpan.FromSeconds(30));
            await WaitUntilAsync(() => inspector.PingAsync(c), ct); // the table's own connection to C, too
            view.Note($"the client reached C again after {back.ElapsedMilliseconds} ms: {Describe(client.Health[c].State)}.");
            await view.StepDoneAsync(ct);

            view.Step(5, "reads repair the keys they touch",
                $"Reading user:1 and user:2 (R = 2 from A and B): C's older or missing copy is seen, and the read writes the newest version back to it. user:3, user:4 and the feed are not read, so C {(owned ? "still lacks them" : "keeps its stale copies")}.");
            foreach (var id in new[] { 1, 2 })
            {
                var read = await users.GetVersionedAsync(id, cancellationToken: ct);
                view.Note($"GetVersionedAsync(user:{id}) -> Visits = {read?.Value.Visits}");
            }

            var repaired = await WaitUntilAsync(async () => (await watch.SnapshotAsync()).Rows.Take(2).All(r => r.Cells[c].State == CellState.Fresh), ct);
            view.Note(repaired ? "C now holds the newest user:1 and user:2 (read repair)." : "C was NOT repaired within 10 s.");
            await view.StepDoneAsync(ct);

            view.Step(6, "an anti-entropy pass heals the rest",
                "The background writer stops (so the final comparison is exact). One pass compares the 16,384 slot digests of each node, looks only inside slots that differ, and copies the newest values and merged lists to C.");
            await load.StopAsync();
            var report = await runner.RunPassAsync(progress: new DirectProgress(view.Progress), cancellationToken: ct);
            var ready = await WaitUntilAsync(() => Task.FromResult(client.Health[c].State == NodeHealthState.Healthy), ct);
            view.Note($"{report.Mode} pass in {report.Duration.TotalMilliseconds:0} ms: {report.SlotsDiffering} of {report.SlotsCompared} slots differed, {report.KeysCompared} keys compared, {report.ValuesRepaired} values and {report.ListsRepaired} lists repaired, {report.ProblemCount} problems; C is {(ready ? "ready" : Describe(client.Health[c].State))}.");
            await view.StepDoneAsync(ct);
            view.PassEnded();

            view.Step(7, "convergence check", owned
                ? "Every key of every node, compared byte for byte (value, version, tombstones, list elements, slot digests)."
                : "The demo's keys on every node, compared byte for byte (value, version, tombstones, list elements).");
            var second = await runner.RunPassAsync(cancellationToken: ct);
            var comparison = await Convergence.CompareAsync(nodes, inspector, owned ? null : DemoKeys(), ct);
            await view.StepDoneAsync(ct, table: false); // the same table as step 6

            var converged = comparison.Differences.Count == 0 && report.IsClean && second.SlotsDiffering == 0;
            var lines = new List<string>
            {
                $"writes: {load.Ok} background writes acknowledged ({load.Failed} failed) plus the scripted ones",
                $"repaired: by reads 2 keys; by the pass {report.KeysRepaired} keys ({report.ValuesRepaired} values, {report.ListsRepaired} list) in {report.SlotsDiffering} differing slots",
                $"a second pass found {second.SlotsDiffering} slots differing",
                $"compared: {comparison.KeysCompared} keys on each of {nodes.Count} nodes ({(owned ? "whole keyspace" : "the demo's keys")}), {comparison.Differences.Count} differ",
            };
            lines.AddRange(comparison.Differences.Take(5).Select(d => "  " + d));
            lines.Add(converged
                ? $"CONVERGED: all {nodes.Count} nodes identical"
                : "NOT CONVERGED: the nodes differ (see above)");
            view.Summary("Convergence summary", lines, converged);
            return converged;
        });
    }

    private static WatchedKey Watched(string key, bool isList) =>
        new(key, $"{AnarchoRedisOptions.DefaultMetaKeyPrefix}{{{key}}}", isList);

    /// <summary>Every key the demo writes (data, meta, and the list's element tombstones), for the --nodes comparison.</summary>
    private static List<string> DemoKeys()
    {
        var keys = new List<string>();
        foreach (var id in ShownUsers.Concat(Enumerable.Range(LoadWriter.FirstId, LoadWriter.Count)))
        {
            var key = UserRepository.FormatKey(id);
            keys.Add(key);
            keys.Add($"{AnarchoRedisOptions.DefaultMetaKeyPrefix}{{{key}}}");
        }

        var list = FeedEntryListRepository.FormatKey(FeedName);
        keys.AddRange([list, $"{AnarchoRedisOptions.DefaultMetaKeyPrefix}{{{list}}}", $"anrcho_tomb:{{{list}}}"]);
        return keys;
    }

    private static User NewUser(int id, int visits) => new() { Id = id, Name = $"User {id}", Email = $"user{id}@example.org", Visits = visits };

    private static FeedEntry Entry(string text) => new() { Feed = FeedName, Text = text };

    private static string Describe(NodeHealthState state) => state switch
    {
        NodeHealthState.Healthy => "ready (its epoch key was there: its reads count)",
        NodeHealthState.Filling => "filling (its epoch key was gone: it lost its data)",
        NodeHealthState.Unverified => "verifying",
        _ => "down",
    };

    /// <summary>Polls (every 50 ms, at most <paramref name="timeout"/>, default 10 s) until the condition holds.</summary>
    private static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < (timeout ?? TimeSpan.FromSeconds(10)))
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50, ct);
        }

        return await condition();
    }

    /// <summary>Reports progress on the caller's thread (<see cref="Progress{T}"/> would post it, out of order).</summary>
    private sealed class DirectProgress(Action<AntiEntropyProgress> report) : IProgress<AntiEntropyProgress>
    {
        public void Report(AntiEntropyProgress value) => report(value);
    }
}
