using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Checking;
using AnarchoRedis.Jepsen.History;
using AnarchoRedis.Jepsen.Workload;
using AnarchoRedis.Testing;
using HdrHistogram;

namespace AnarchoRedis.Jepsen.Orchestration;

/// <summary>What the availability scenario measured over the window in which one node was faulty.</summary>
public sealed record AvailabilityReport
{
    public required string Fault { get; init; }

    public required int Seed { get; init; }

    public required double WindowSeconds { get; init; }

    public required int NodeTimeoutMs { get; init; }

    public required OutcomeCounts Operations { get; init; }

    public required LatencySummary Latency { get; init; }

    public required Dictionary<string, OutcomeCounts> ByFunction { get; init; }

    public required Dictionary<string, LatencySummary> LatencyByFunction { get; init; }

    /// <summary>Up to ten errors seen in the window, with how often each message (without its node detail) appeared.</summary>
    public required Dictionary<string, int> Errors { get; init; }

    public double SuccessRatio => Operations.OkRatio;

    public double LatencyBudgetMs => NodeTimeoutMs + 100;

    public bool MeetsSuccessTarget => SuccessRatio >= 0.99;

    public bool MeetsLatencyTarget => Latency.P99Ms <= LatencyBudgetMs;

    public string Summary()
    {
        var s = new StringBuilder();
        s.AppendLine($"availability with one node {(Fault == "pause" ? "paused (SIGSTOP)" : "partitioned (proxy stall)")} for {WindowSeconds:0} s, W=R=2 of N=3, node timeout {NodeTimeoutMs} ms, seed {Seed}");
        s.AppendLine($"operations: {Operations.Total}, ok {Operations.Ok}, fail {Operations.Fail}, info {Operations.Info}: success {SuccessRatio:P2} (target >= 99%: {(MeetsSuccessTarget ? "met" : "MISSED")})");
        s.AppendLine($"latency: p50 {Latency.P50Ms:0.00} ms, p99 {Latency.P99Ms:0.00} ms, p99.9 {Latency.P999Ms:0.00} ms, max {Latency.MaxMs:0.00} ms (p99 target <= {LatencyBudgetMs:0} ms: {(MeetsLatencyTarget ? "met" : "MISSED")})");
        foreach (var (f, c) in ByFunction.OrderBy(p => p.Key))
        {
            var l = LatencyByFunction.GetValueOrDefault(f);
            s.AppendLine($"  {f,-6} ok {c.Ok,7} fail {c.Fail,5} info {c.Info,5} | p50 {l?.P50Ms:0.00} ms p99 {l?.P99Ms:0.00} ms max {l?.MaxMs:0.00} ms");
        }

        foreach (var (error, count) in Errors)
        {
            s.AppendLine($"  {count} x {error}");
        }

        return s.ToString();
    }
}

/// <summary>
/// The <c>availability</c> mode: N = 3, W = R = 2, a steady load of register writes and reads from the workers, and
/// one node paused or partitioned (stall) for the whole measured window.
/// </summary>
public static class AvailabilityScenario
{
    public static async Task<AvailabilityReport> RunAsync(RunSettings settings, CancellationToken cancellationToken = default)
    {
        var log = settings.Log;
        var folder = Directory.CreateTempSubdirectory("anarchoredis-availability-").FullName;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3 }, cancellationToken);
        await using var workers = await WorkerPool.StartAsync(settings.Workers, p => new WorkloadSettings
        {
            Process = p,
            Clients = settings.Clients,
            EndPoints = cluster.EndPoints.ToArray(),
            Keys = settings.Keys,
            Seed = settings.Seed,
            StartMillis = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            NodeTimeout = settings.NodeTimeout,
            Mix = settings.AvailabilityMix,
            HistoryPath = Path.Combine(folder, $"history-p{p}.jsonl"),
        }, cancellationToken);

        // A healthy warm-up, then the fault for the whole window. Healthy means every worker's quorum reads succeed: a
        // client that first meets the nodes while one is already faulty cannot tell a new cluster from wiped nodes, and
        // rightly counts none of them for reads until a pass (a slow start on a loaded machine did that: 57% success).
        await WaitForReadsAsync(workers.HistoryPaths, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var faulty = cluster[cluster.Nodes.Count - 1];
        var start = HistoryFile.Now();
        if (settings.AvailabilityFault == "pause")
        {
            faulty.Pause();
        }
        else
        {
            faulty.Partition(PartitionMode.Stall);
        }

        log($"node {faulty.Index}: {settings.AvailabilityFault} for {settings.Duration.TotalSeconds:0} s");
        long end;
        try
        {
            await Task.Delay(settings.Duration, cancellationToken);
        }
        finally
        {
            // Operations invoked up to here are measured; the heal comes after.
            end = HistoryFile.Now();
            await cluster.HealAsync(CancellationToken.None);
            await workers.StopAsync(TimeSpan.FromSeconds(30));
        }

        var history = HistoryFile.ReadOperations(workers.HistoryPaths);
        var report = Measure(history, settings, start, end);
        var path = settings.ReportPath ?? Path.Combine(folder, "availability.json");
        File.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        log(report.Summary());
        log($"report: {path}");
        return report;
    }

    /// <summary>Waits (at most a minute) until every worker's history holds successful reads.</summary>
    private static async Task WaitForReadsAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (DateTime.UtcNow < deadline && !paths.All(path => SuccessfulReads(path) >= 10))
        {
            await Task.Delay(100, cancellationToken);
        }

        static int SuccessfulReads(string path)
        {
            if (!File.Exists(path))
            {
                return 0;
            }

            // Read while the worker writes (shared), by text: the last line may be half written.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var count = 0;
            while (reader.ReadLine() is { } line)
            {
                if (line.Contains("\"Type\":\"Ok\",\"F\":\"Read\"", StringComparison.Ordinal))
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>Counts the operations invoked inside the window (an operation never completed counts as indeterminate).</summary>
    public static AvailabilityReport Measure(IReadOnlyList<Operation> history, RunSettings settings, long start, long end)
    {
        var inWindow = history.Where(o => o.InvokeTime >= start && o.InvokeTime < end).ToList();
        var counts = new OutcomeCounts();
        var byFunction = new Dictionary<string, OutcomeCounts>();
        var all = new LongHistogram(TimeSpan.FromMinutes(10).Ticks / 10, 3);
        var histograms = new Dictionary<string, LongHistogram>();
        foreach (var op in inWindow)
        {
            var name = op.F.ToString();
            var c = byFunction.TryGetValue(name, out var x) ? x : byFunction[name] = new OutcomeCounts();
            foreach (var target in new[] { counts, c })
            {
                switch (op.Outcome)
                {
                    case OpType.Ok: target.Ok++; break;
                    case OpType.Fail: target.Fail++; break;
                    default: target.Info++; break;
                }
            }

            // Every operation's latency counts, failed ones too: a user waits for those as well. One never completed
            // is counted at the end of the window.
            var micros = Math.Clamp(op.LatencyMicros ?? end - op.InvokeTime, 1, all.HighestTrackableValue);
            all.RecordValue(micros);
            (histograms.TryGetValue(name, out var h) ? h : histograms[name] = new LongHistogram(all.HighestTrackableValue, 3)).RecordValue(micros);
        }

        var errors = inWindow.Where(o => o.Error is not null)
            .GroupBy(o => Checker.ErrorKind(o.Error!))
            .OrderByDescending(g => g.Count())
            .Take(10)
            .ToDictionary(g => g.Key, g => g.Count());
        return new AvailabilityReport
        {
            Fault = settings.AvailabilityFault,
            Seed = settings.Seed,
            WindowSeconds = (end - start) / 1e6,
            NodeTimeoutMs = (int)settings.NodeTimeout.TotalMilliseconds,
            Operations = counts,
            Latency = Checker.Summarize(all),
            ByFunction = byFunction,
            LatencyByFunction = histograms.ToDictionary(p => p.Key, p => Checker.Summarize(p.Value)),
            Errors = errors,
        };
    }
}
