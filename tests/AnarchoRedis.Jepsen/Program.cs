using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Nemesis;
using AnarchoRedis.Jepsen.Orchestration;
using AnarchoRedis.Jepsen.Workload;

namespace AnarchoRedis.Jepsen;

/// <summary>
/// <c>run</c>: the Jepsen-style check (exit code 0 only when valid). <c>availability --fault pause|partition</c>: the
/// availability measurement (exit code 0 when at least 99% of operations succeeded). <c>worker</c>: started by the
/// other two, never by hand.
/// </summary>
public static class Program
{
    private const string Usage = """
        usage:
          run           [--workload default|queue|feed] [--seed N] [--duration S] [--workers N] [--clients N] [--keys N]
                        [--faults all|none|kill-empty,kill-keep,pause,stall,reset,latency,flush,busy,evict,snapshot,loading,fresh-client,clock-jump]
                        [--node-timeout-ms N] [--lenient-reads] [--read-fanout All|Required] [--report path.json]
                        negative controls, outside the guarantee: [--w One|Quorum|All] [--r One|Quorum|All] [--no-interim-repair]
                        queue workload: [--queue-pushers N (clients per worker that push; the others pop; default 1)] [--pop-claim-lease-ms N (default 2000)]
                                        defaults with --workload queue: --workers 3 --keys 3; standalone nodes only
                        feed workload: pushes, reads and keep-newest trims of --keys capped feeds (MaxLength 20) by every client;
                                        defaults with --workload feed: --workers 3 --keys 3; standalone nodes only
                        cluster mode (every replica a Redis Cluster): --cluster-shards S [--shard-replicas 0|1]
                        [--faults all|none|shard-wipe,shard-pause,shard-snapshot,shard-migrate,shard-failover]
          availability  --fault pause|partition [--mix default|registers] [--seed N] [--duration S] [--workers N] [--clients N] [--keys N] [--node-timeout-ms N] [--report path.json]
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Dictionary<string, string> options;
        try
        {
            options = ParseOptions(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops the run cleanly (workers and nodes are stopped by pid on the way out).
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            switch (args[0])
            {
                case "worker":
                    return await WorkerProcess.RunAsync(new WorkloadSettings
                    {
                        Process = Int(options, "process", 0),
                        Clients = Int(options, "clients", 4),
                        // One node string per replica, ';'-separated: a cluster replica's string lists its seeds with ','.
                        EndPoints = options["endpoints"].Split(';'),
                        Keys = Int(options, "keys", 5),
                        Seed = Int(options, "seed", 1),
                        StartMillis = long.Parse(options["start-ms"], CultureInfo.InvariantCulture),
                        NodeTimeout = TimeSpan.FromMilliseconds(Int(options, "node-timeout-ms", 500)),
                        Mix = options.GetValueOrDefault("mix", "default"),
                        HistoryPath = options["history"],
                        WriteConsistency = Enum.Parse<Consistency>(options.GetValueOrDefault("w", "Quorum"), ignoreCase: true),
                        ReadConsistency = Enum.Parse<Consistency>(options.GetValueOrDefault("r", "Quorum"), ignoreCase: true),
                        ReadFanOut = Enum.Parse<ReadFanOut>(options.GetValueOrDefault("read-fanout", "All"), ignoreCase: true),
                        MaxClockSkew = TimeSpan.FromMilliseconds(Int(options, "max-clock-skew-ms", 300_000)),
                        QueuePushers = Int(options, "queue-pushers", 1),
                        PopClaimLease = TimeSpan.FromMilliseconds(Int(options, "pop-claim-lease-ms", 10_000)),
                    });
                case "run":
                {
                    var report = await Orchestrator.RunAsync(Settings(options), cancel.Token);
                    return report.Valid ? 0 : 1;
                }

                case "availability":
                {
                    var fault = options.GetValueOrDefault("fault", "pause");
                    if (fault is not ("pause" or "partition"))
                    {
                        Console.Error.WriteLine("--fault must be pause or partition");
                        return 2;
                    }

                    if (options.ContainsKey("cluster-shards"))
                    {
                        Console.Error.WriteLine("availability runs on standalone nodes only (no --cluster-shards)");
                        return 2;
                    }

                    var settings = Settings(options) with { AvailabilityFault = fault, AvailabilityMix = options.GetValueOrDefault("mix", "default"), Duration = TimeSpan.FromSeconds(Int(options, "duration", 20)) };
                    var report = await AvailabilityScenario.RunAsync(settings, cancel.Token);
                    return report.MeetsSuccessTarget ? 0 : 1;
                }

                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
    }

    private static RunSettings Settings(Dictionary<string, string> o)
    {
        var shards = Int(o, "cluster-shards", 0);
        var shardReplicas = Int(o, "shard-replicas", 0);
        if (shards < 0 || shardReplicas is < 0 or > 1 || (shardReplicas > 0 && shards == 0))
        {
            throw new ArgumentException("--cluster-shards must be 1 or more, and --shard-replicas 0 or 1 with --cluster-shards");
        }

        var workload = o.GetValueOrDefault("workload", "default");
        if (workload is not ("default" or "queue" or "feed"))
        {
            throw new ArgumentException("--workload must be default, queue or feed");
        }

        if (workload is "queue" or "feed" && shards > 0)
        {
            throw new ArgumentException($"the {workload} workload runs on standalone nodes only (no --cluster-shards)");
        }

        var faults = o.GetValueOrDefault("faults", "all");
        var queue = workload is "queue" or "feed";
        return CommonSettings(o) with
        {
            Workload = workload,
            // The queue's and the feed's defaults: three processes (so pushers and poppers of several processes meet)
            // and three queues or feeds (so the clients contend on each).
            Workers = Int(o, "workers", queue ? 3 : 2),
            Keys = Int(o, "keys", queue ? 3 : 5),
            QueuePushers = Int(o, "queue-pushers", 1),
            PopClaimLease = TimeSpan.FromMilliseconds(Int(o, "pop-claim-lease-ms", 2000)),
            ClusterShards = shards,
            ShardReplicas = shardReplicas,
            Faults = shards > 0 ? FaultKind.ParseShard(faults, shardReplicas) : FaultKind.Parse(faults),
        };
    }

    private static RunSettings CommonSettings(Dictionary<string, string> o) => new()
    {
        Seed = Int(o, "seed", 1),
        Duration = TimeSpan.FromSeconds(Int(o, "duration", 30)),
        Workers = Int(o, "workers", 2),
        Clients = Int(o, "clients", 4),
        Keys = Int(o, "keys", 5),
        NodeTimeout = TimeSpan.FromMilliseconds(Int(o, "node-timeout-ms", 500)),
        StrictReads = !o.ContainsKey("lenient-reads"),
        RepairAfterEmptyRestart = !o.ContainsKey("no-interim-repair"),
        WriteConsistency = Enum.Parse<Consistency>(o.GetValueOrDefault("w", "Quorum"), ignoreCase: true),
        ReadConsistency = Enum.Parse<Consistency>(o.GetValueOrDefault("r", "Quorum"), ignoreCase: true),
        ReadFanOut = Enum.Parse<ReadFanOut>(o.GetValueOrDefault("read-fanout", "All"), ignoreCase: true),
        ReportPath = o.GetValueOrDefault("report"),
    };

    private static int Int(Dictionary<string, string> o, string name, int fallback) =>
        o.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            var name = args[i][2..];
            if (name is "lenient-reads" or "no-interim-repair")
            {
                options[name] = "true";
            }
            else if (i + 1 < args.Length)
            {
                options[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"--{name} needs a value");
            }
        }

        return options;
    }
}
