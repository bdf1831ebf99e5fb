using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Checking;
using AnarchoRedis.Jepsen.History;
using AnarchoRedis.Jepsen.Nemesis;
using AnarchoRedis.Jepsen.Reporting;
using AnarchoRedis.Jepsen.Workload;
using AnarchoRedis.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AnarchoRedis.Jepsen.Orchestration;

/// <summary>
/// The <c>run</c> mode: a local cluster of three redis-servers behind proxies, worker processes against the proxies,
/// the nemesis, then heal, one anti-entropy pass, a direct read of every node and the check.
/// </summary>
public static class Orchestrator
{
    public static async Task<RunReport> RunAsync(RunSettings settings, CancellationToken cancellationToken = default)
    {
        var log = settings.Log;
        var folder = Directory.CreateTempSubdirectory("anarchoredis-jepsen-").FullName;
        var reportPath = settings.ReportPath ?? Path.Combine(folder, "report.json");
        log($"seed {settings.Seed}; histories in {folder}");

        var clusterMode = settings.ClusterShards > 0;
        var clusterOptions = new LocalClusterOptions { NodeCount = 3, Persistence = FaultKind.NeedsPersistence(settings.Faults) };
        if (clusterMode)
        {
            // Every replica a Redis Cluster: S shards, each a primary and optionally its replica, each server behind a proxy.
            clusterOptions.ClusterMode = true;
            clusterOptions.ShardsPerReplica = settings.ClusterShards;
            clusterOptions.ShardReplicas = settings.ShardReplicas;
        }

        // With the clock-jump nemesis, a small MaxClockSkew (every client's and the repairer's): a jump beyond it blocks
        // the keys the jumped clients wrote for seconds, not for the default 5 minutes.
        var maxClockSkew = settings.Faults.Contains(FaultKind.ClockJump) ? TimeSpan.FromSeconds(2) : TimeSpan.FromMinutes(5);
        if (clusterOptions.Persistence)
        {
            // The kit's "fsync always" makes every write wait for the disk. The nemesis kills processes, not the
            // machine: redis-server write()s the AOF before it replies, so what a node acknowledged survives a SIGKILL
            // in the page cache without fsync.
            clusterOptions.ServerArguments.Add("--appendfsync");
            clusterOptions.ServerArguments.Add("no");
        }

        await using var cluster = await LocalCluster.StartAsync(clusterOptions, cancellationToken);
        await using var services = Services(cluster, settings.NodeTimeout, maxClockSkew);
        var runner = services.GetRequiredService<AntiEntropyRunner>();
        var notes = new List<string>
        {
            clusterMode
                ? settings.RepairAfterEmptyRestart
                    ? "cluster mode: before a shard fault that may lose data (wipe, old snapshot, failover, a pause with shard replicas), the nemesis repaired (passes until clean) if another replica had lost one of that shard's slots since the last clean repair: the guarantee holds while at most N - W = 1 replica loses a given slot between repairs; losses on different replicas in disjoint slots were left to the per-slot epochs"
                    : "cluster mode, NO repair between shard faults (--no-interim-repair): several replicas may lose one slot between repairs, outside the guarantee"
                : settings.RepairAfterEmptyRestart
                ? "after every data-losing fault (kill-empty, flush, evict, snapshot, fresh-client) the nemesis repaired (passes until clean) before the next fault: the protocol's guarantee holds for at most N - W = 1 node loss between repairs"
                : "NO anti-entropy pass after empty restarts (--no-interim-repair): several node losses may fall between repairs, outside the guarantee",
            clusterMode
                ? "the final state was read after healing, stopping the workers and the final anti-entropy pass (and a second one when the first repaired keys)"
                : "the final state was read after healing, stopping the workers and one anti-entropy pass",
        };

        var startMillis = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var workers = await WorkerPool.StartAsync(settings.Workers, p => new WorkloadSettings
        {
            Process = p,
            Clients = settings.Clients,
            EndPoints = cluster.EndPoints.ToArray(),
            Keys = settings.Keys,
            Seed = settings.Seed,
            StartMillis = startMillis,
            NodeTimeout = settings.NodeTimeout,
            WriteConsistency = settings.WriteConsistency,
            ReadConsistency = settings.ReadConsistency,
            ReadFanOut = settings.ReadFanOut,
            MaxClockSkew = maxClockSkew,
            HistoryPath = Path.Combine(folder, $"history-p{p}.jsonl"),
            Mix = settings.Workload is "queue" or "feed" ? settings.Workload : "default",
            QueuePushers = settings.QueuePushers,
            PopClaimLease = settings.PopClaimLease,
        }, cancellationToken);
        if (settings.Workload == "queue")
        {
            notes.Add($"queue workload: {settings.QueuePushers} pusher(s) and {settings.Clients - settings.QueuePushers} popper(s) (exactly-once pops) per worker process on {settings.Keys} queue(s), PopClaimLease {settings.PopClaimLease.TotalSeconds:0.#} s; after the workers stopped the run waited until no node held a claims hash (anrcho_claim:*) before the final pass, so the replicas are compared with their claims expired");
        }

        await using var feedSampler = settings.Workload == "feed"
            ? new FeedSampler(cluster.Nodes.Select(n => ($"node{n.Index}", n.DirectEndPoint)), Enumerable.Range(0, settings.Keys).Select(Models.FeedItemListRepository.FormatKey).ToList())
            : null;
        if (feedSampler is not null)
        {
            feedSampler.Start();
            notes.Add($"feed workload: {settings.Workers * settings.Clients} clients push, read and trim {settings.Keys} feed(s) capped at MaxLength {Models.FeedItem.Cap}; every node's feed length, element tombstones and meta fields were sampled directly every 0.5 s while the workers ran; a sampled length may exceed MaxLength by the pushes that can cross at once ({settings.Workers * settings.Clients}, one in flight per client)");
        }

        if (clusterMode)
        {
            log($"3 replicas, each a Redis Cluster of {settings.ClusterShards} shards ({cluster.Nodes.Count} redis-servers): {string.Join("; ", cluster.Replicas.Select(r => string.Join(" ", r.Shards.Select(sh => sh.ToString()))))}");
        }

        log($"{settings.Workers} workers x {settings.Clients} clients running (pids {string.Join(", ", workers.Pids)}); faults: {string.Join(", ", settings.Faults)}");

        Func<string, CancellationToken, Task<PassSummary>>? repair = settings.RepairAfterEmptyRestart ? (reason, ct) => PassAsync(runner, reason, log, ct) : null;
        var nemesis = clusterMode ? null : new Nemesis.Nemesis(cluster, settings.Faults, settings.Seed, repair, log, workers, maxClockSkew);
        // N − W replicas may lose a given slot between repairs (1 of 3 at W = Quorum).
        var lossesAllowed = 3 - settings.WriteConsistency switch { Consistency.One => 1, Consistency.All => 3, _ => 2 };
        var shardNemesis = clusterMode
            ? new ShardNemesis(cluster, settings.Faults, settings.Seed, repair, log, () => WorkloadKeys(settings.Keys, startMillis), settings.ShardReplicas, lossesAllowed)
            : null;
        using (var stopNemesis = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            stopNemesis.CancelAfter(settings.Duration);
            await (shardNemesis?.RunAsync(stopNemesis.Token) ?? nemesis!.RunAsync(stopNemesis.Token));
        }

        var faults = shardNemesis?.Faults ?? nemesis!.Faults;

        // Final phase: heal everything, give the workers a healthy moment (stalled bytes are delivered at the heal),
        // stop them, then one pass.
        await cluster.HealAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
        await workers.StopAsync(TimeSpan.FromSeconds(30));
        var feedSamples = feedSampler is null ? null : await feedSampler.StopAsync();
        if (settings.Workload == "queue")
        {
            // Claims are per node (which popper claimed what there) and expire with their lease, by the claimant's clock:
            // a clock-jumped client's lease ends up to twice MaxClockSkew later.
            await WaitForClaimsToExpireAsync(cluster, settings.PopClaimLease + maxClockSkew * 2 + TimeSpan.FromSeconds(5), log);
        }

        var passes = new List<PassSummary>(shardNemesis?.Passes ?? nemesis!.Passes) { await PassAsync(runner, "final", log, CancellationToken.None) };

        var nodes = new List<NodeSnapshot>();
        if (clusterMode)
        {
            foreach (var replica in cluster.Replicas)
            {
                nodes.Add(await NodeReader.ReadReplicaAsync(replica, CancellationToken.None));
            }
        }
        else
        {
            foreach (var node in cluster.Nodes)
            {
                nodes.Add(await NodeReader.ReadAsync($"node{node.Index}", node.DirectEndPoint, CancellationToken.None));
            }
        }

        var history = HistoryFile.ReadOperations(workers.HistoryPaths);
        // A worker whose clock jumped judged expiries that much early (the library decides expiry by the client's clock).
        var clockAheadMs = faults.Any(f => f.Kind == FaultKind.ClockJump) ? (long)(maxClockSkew.TotalMilliseconds * 2) : 0;
        var check = Checker.Check(history, nodes, faults, settings.StrictReads, maxClockSkew, clockAheadMs, feedSamples, feedLengthSlack: settings.Workers * settings.Clients);
        if (clusterMode)
        {
            await JudgeClusterAsync(cluster, check, log, Path.ChangeExtension(reportPath, ".differences.txt"));
        }

        var report = new RunReport
        {
            Seed = settings.Seed,
            DurationSeconds = settings.Duration.TotalSeconds,
            Workers = settings.Workers,
            ClientsPerWorker = settings.Clients,
            Keys = settings.Keys,
            NodeTimeoutMs = (int)settings.NodeTimeout.TotalMilliseconds,
            FaultKinds = settings.Faults,
            Workload = settings.Workload,
            Check = check,
            Consistency = $"W={settings.WriteConsistency} R={settings.ReadConsistency} of N=3, reads sent to {(settings.ReadFanOut == ReadFanOut.All ? "all nodes" : "R nodes (hedged)")}",
            ClusterShards = settings.ClusterShards,
            ShardReplicas = settings.ShardReplicas,
        };
        report.Faults.AddRange(faults);
        report.AntiEntropyPasses.AddRange(passes);
        report.Notes.AddRange(notes);
        report.Write(reportPath);
        var summary = report.Summary();
        File.WriteAllText(Path.ChangeExtension(reportPath, ".txt"), summary);
        log(summary);
        log($"report: {reportPath}");
        return report;
    }

    /// <summary>
    /// The cluster mode's final judges, after the final pass: every replica's 16,384 slot epochs <c>ready</c>, and the
    /// testing kit's whole-keyspace comparison of the replicas (every shard's primary, bookkeeping included).
    /// </summary>
    private static async Task JudgeClusterAsync(LocalCluster cluster, CheckResult check, Action<string> log, string differencesPath)
    {
        foreach (var replica in cluster.Replicas)
        {
            var (ready, filling, other) = await NodeReader.CountSlotEpochsAsync(replica, CancellationToken.None);
            log($"replica {replica.Index}: slot epochs ready {ready}, filling {filling}, other {other} (of {HashSlot.Count})");
            if (ready != HashSlot.Count || filling + other > 0)
            {
                check.SlotEpochsNotReady.Add(new Anomaly("anrcho_epoch:{*}", $"replica{replica.Index}", $"{ready} ready, {filling} filling, {other} other, {HashSlot.Count - ready - filling - other} missing of {HashSlot.Count}"));
            }
        }

        var differences = await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas, maxDifferences: 1000, CancellationToken.None);
        foreach (var difference in differences)
        {
            check.KeyspaceDifferences.Add(new Anomaly(difference.Key, null, difference.ToString()));
        }

        log($"CompareReplicasAsync: {differences.Count} key(s) differ");
        if (differences.Count > 0)
        {
            // The report's examples are cut short; every differing key whole, each replica's text in full, goes here.
            File.WriteAllLines(differencesPath, differences.SelectMany(d => d.ByNode.Select(n => $"{d.Key} {n.Node}: {n.Text ?? "absent"}").Append(string.Empty)));
            log($"differing keys in full: {differencesPath}");
        }
    }

    /// <summary>Polls every node directly until none holds a claims hash (<c>anrcho_claim:*</c>), up to <paramref name="limit"/>.</summary>
    private static async Task WaitForClaimsToExpireAsync(LocalCluster cluster, TimeSpan limit, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var left = 0;
        do
        {
            left = 0;
            foreach (var node in cluster.Nodes)
            {
                await foreach (var _ in node.Server.KeysAsync(pattern: new AnarchoRedisOptions().ListClaimPrefix + "*", pageSize: 1000))
                {
                    left++;
                }
            }

            if (left == 0)
            {
                break;
            }

            await Task.Delay(250, CancellationToken.None);
        }
        while (clock.Elapsed < limit);

        log($"claims hashes left after {clock.Elapsed.TotalSeconds:0.0} s: {left}");
    }

    /// <summary>The data keys the workload writes now: every register, and the lists of the current generation.</summary>
    private static IReadOnlyList<string> WorkloadKeys(int keys, long startMillis)
    {
        // WorkloadSettings.ListGeneration (10 s): the workers move to fresh list keys that often.
        var generation = (int)(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - startMillis) / 10_000);
        return
        [
            .. Enumerable.Range(0, keys).Select(i => $"jepsen:reg:{i}"),
            .. Enumerable.Range(generation * keys, keys).Select(i => $"jepsen:list:{i}"),
        ];
    }

    /// <summary>The orchestrator's own client (through the proxies), with the generated registry, for anti-entropy.</summary>
    internal static ServiceProvider Services(LocalCluster cluster, TimeSpan nodeTimeout, TimeSpan? maxClockSkew = null)
    {
        var services = new ServiceCollection();
        services.AddAnarchoRedis(o =>
        {
            foreach (var endPoint in cluster.EndPoints)
            {
                o.Nodes.Add(endPoint);
            }

            o.NodeTimeout = nodeTimeout;
            o.MaxClockSkew = maxClockSkew ?? TimeSpan.FromMinutes(5);
            o.AntiEntropy.Enabled = false;
            o.AntiEntropy.MaxKeysPerSecond = 0;
        }).AddAnarchoRedisJepsenRepositories();
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// Anti-entropy passes until one is clean (reached every node and met no problem), up to 20 s: a pass that found a
    /// node unreachable (the client has not reconnected to a restarted node yet) repairs nothing on it, and one whose
    /// repairs lost to concurrent writes (or met a node answering errors) left something to do. The protocol promises no
    /// loss with at most N − W node losses between repairs, so a data-losing fault is followed by a complete repair.
    /// </summary>
    private static async Task<PassSummary> PassAsync(AntiEntropyRunner runner, string reason, Action<string> log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        AntiEntropyReport report;
        var attempts = 0;
        while (true)
        {
            attempts++;
            report = await runner.RunPassAsync(cancellationToken: cancellationToken);
            if (report.IsClean || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                break;
            }

            foreach (var problem in report.Problems.Take(3))
            {
                log($"  pass problem: {problem}");
            }

            await Task.Delay(500, cancellationToken);
        }

        var summary = new PassSummary(reason, report.IsClean, report.KeysRepaired, report.ValuesRepaired, report.ListsRepaired, report.UnreachableNodes.Count, report.ProblemCount, clock.Elapsed.TotalSeconds);
        log($"anti-entropy pass ({reason}, {attempts} attempt(s)): {report}");
        return summary;
    }
}
