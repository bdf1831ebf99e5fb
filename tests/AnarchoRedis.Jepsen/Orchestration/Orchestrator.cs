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

        var clusterOptions = new LocalClusterOptions { NodeCount = 3, Persistence = FaultKind.NeedsPersistence(settings.Faults) };
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
            settings.RepairAfterEmptyRestart
                ? "after every data-losing fault (kill-empty, flush, evict, snapshot, fresh-client) the nemesis repaired (passes until clean) before the next fault: the protocol's guarantee holds for at most N - W = 1 node loss between repairs"
                : "NO anti-entropy pass after empty restarts (--no-interim-repair): several node losses may fall between repairs, outside the guarantee",
            "the final state was read after healing, stopping the workers and one anti-entropy pass",
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
        }, cancellationToken);
        log($"{settings.Workers} workers x {settings.Clients} clients running (pids {string.Join(", ", workers.Pids)}); faults: {string.Join(", ", settings.Faults)}");

        var nemesis = new Nemesis.Nemesis(cluster, settings.Faults, settings.Seed, settings.RepairAfterEmptyRestart ? (reason, ct) => PassAsync(runner, reason, log, ct) : null, log, workers, maxClockSkew);
        using (var stopNemesis = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            stopNemesis.CancelAfter(settings.Duration);
            await nemesis.RunAsync(stopNemesis.Token);
        }

        // Final phase: heal everything, give the workers a healthy moment (stalled bytes are delivered at the heal),
        // stop them, then one pass.
        await cluster.HealAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
        await workers.StopAsync(TimeSpan.FromSeconds(30));
        var passes = new List<PassSummary>(nemesis.Passes) { await PassAsync(runner, "final", log, CancellationToken.None) };

        var nodes = new List<NodeSnapshot>();
        foreach (var node in cluster.Nodes)
        {
            nodes.Add(await NodeReader.ReadAsync($"node{node.Index}", node.DirectEndPoint, CancellationToken.None));
        }

        var history = HistoryFile.ReadOperations(workers.HistoryPaths);
        // A worker whose clock jumped judged expiries that much early (the library decides expiry by the client's clock).
        var clockAheadMs = nemesis.Faults.Any(f => f.Kind == FaultKind.ClockJump) ? (long)(maxClockSkew.TotalMilliseconds * 2) : 0;
        var check = Checker.Check(history, nodes, nemesis.Faults, settings.StrictReads, maxClockSkew, clockAheadMs);
        var report = new RunReport
        {
            Seed = settings.Seed,
            DurationSeconds = settings.Duration.TotalSeconds,
            Workers = settings.Workers,
            ClientsPerWorker = settings.Clients,
            Keys = settings.Keys,
            NodeTimeoutMs = (int)settings.NodeTimeout.TotalMilliseconds,
            FaultKinds = settings.Faults,
            Check = check,
            Consistency = $"W={settings.WriteConsistency} R={settings.ReadConsistency} of N=3, reads sent to {(settings.ReadFanOut == ReadFanOut.All ? "all nodes" : "R nodes (hedged)")}",
        };
        report.Faults.AddRange(nemesis.Faults);
        report.AntiEntropyPasses.AddRange(passes);
        report.Notes.AddRange(notes);
        report.Write(reportPath);
        var summary = report.Summary();
        File.WriteAllText(Path.ChangeExtension(reportPath, ".txt"), summary);
        log(summary);
        log($"report: {reportPath}");
        return report;
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
