using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// Catch-up after a pause (<c>--catchup</c>): an SDK client with the library's defaults writes at full load (64 in
/// flight, 10,000 keys) to 3 fresh redis-servers; node 2 is paused (SIGSTOP) for <c>--pause</c> seconds while the load
/// goes on, then continued. From that moment the driver reads node 2's version of every key that a write acknowledged
/// before the resume (one pipelined batch of <c>HGET meta v</c>, every 100 ms) and counts the keys still older there
/// than that write: what the node still misses. Anti-entropy is off: what heals it is hint replay (and read repair,
/// which this write-only load does not trigger).
/// </summary>
internal static class CatchUpBench
{
    private const int NodeBehind = 2;

    public static async Task<int> RunAsync(BenchArguments options, string redisPath)
    {
        await using var servers = await RedisServers.StartAsync(redisPath, 3);
        Console.Error.WriteLine($"Started 3 redis-server processes (pids {string.Join(", ", servers.ProcessIds)})");
        var clock = Stopwatch.StartNew();
        var logs = new TraceLoggerFactory(clock);
        await using var client = await AnarchoRedisClient.ConnectAsync(new AnarchoRedisOptions
        {
            Nodes = servers.EndPoints.ToList(),
            AntiEntropy = new AntiEntropyOptions { Enabled = false },
        }, logs);
        using var direct = await ConnectionMultiplexer.ConnectAsync($"{servers.EndPoints[NodeBehind]},syncTimeout=30000,asyncTimeout=30000");
        var store = client.GetValueStore(BenchCluster.ValueDescriptor);
        var workload = new Workload(1, options.ValueBytes);
        var keyCount = options.Keys;
        var keys = Enumerable.Range(0, keyCount).Select(i => "v:" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var metaKeys = keys.Select(k => (RedisKey)("anrcho_version:{" + k + "}")).ToArray();
        var acknowledged = new ReplicatedVersion[keyCount];
        var locks = Enumerable.Range(0, 64).Select(_ => new object()).ToArray();
        long ok = 0, failed = 0;

        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, options.InFlight).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var i = random.Next(keyCount);
                try
                {
                    var result = await store.SetAsync(keys[i], workload.Value).ConfigureAwait(false);
                    lock (locks[i & 63])
                    {
                        if (result.Version > acknowledged[i])
                        {
                            acknowledged[i] = result.Version;
                        }
                    }

                    Interlocked.Increment(ref ok);
                }
                catch (AnarchoRedisException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })).ToArray();

        var report = new StringBuilder();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            var okBefore = Interlocked.Read(ref ok);
            servers.Pause(NodeBehind);
            var pausedAt = clock.Elapsed;
            Console.Error.WriteLine($"node {NodeBehind} paused at {pausedAt.TotalSeconds:0.0} s ({okBefore:N0} writes so far)");
            await Task.Delay(TimeSpan.FromSeconds(options.PauseSeconds));
            var okPause = Interlocked.Read(ref ok) - okBefore;
            var failedPause = Interlocked.Read(ref failed);
            var pendingAtResume = client.PendingHints.GetValueOrDefault(servers.EndPoints[NodeBehind]);
            servers.Resume(NodeBehind);
            var resumedAt = clock.Elapsed;

            // What a write acknowledged before the resume: node 2 must come to hold at least that version of the key.
            ReplicatedVersion[] expected;
            expected = new ReplicatedVersion[keyCount];
            for (var i = 0; i < keyCount; i++)
            {
                lock (locks[i & 63])
                {
                    expected[i] = acknowledged[i];
                }
            }

            Console.Error.WriteLine($"node {NodeBehind} resumed after {options.PauseSeconds} s: {okPause:N0} writes acknowledged during the pause, {failedPause:N0} failed, {pendingAtResume:N0} hints pending");
            var samples = new List<(double Seconds, int Missing, int Pending, string State)>();
            var db = direct.GetDatabase();
            double? caughtUp = null;
            while (clock.Elapsed - resumedAt < TimeSpan.FromSeconds(30))
            {
                var missing = await MissingAsync(db, metaKeys, expected);
                var since = (clock.Elapsed - resumedAt).TotalSeconds;
                var pending = client.PendingHints.GetValueOrDefault(servers.EndPoints[NodeBehind]);
                samples.Add((since, missing, pending, client.Health[NodeBehind].State.ToString()));
                if (missing == 0)
                {
                    caughtUp = since;
                    break;
                }

                await Task.Delay(100);
            }

            var okAfter = Interlocked.Read(ref ok) - okBefore - okPause;
            var afterSeconds = (clock.Elapsed - resumedAt).TotalSeconds;
            report.AppendLine(CultureInfo.InvariantCulture, $"| pause s | writes/s before | writes acknowledged during the pause | hints pending at resume | keys node {NodeBehind} missed at resume | missing after 0.5 s | after 1 s | after 2 s | caught up after s | writes/s after |");
            report.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            report.AppendLine(CultureInfo.InvariantCulture, $"| {options.PauseSeconds} | {okBefore / pausedAt.TotalSeconds:N0} | {okPause:N0} | {pendingAtResume:N0} | {samples[0].Missing:N0} | {At(samples, 0.5)} | {At(samples, 1)} | {At(samples, 2)} | {(caughtUp is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "> 30")} | {okAfter / afterSeconds:N0} |");
            report.AppendLine();
            report.AppendLine("Samples (seconds after resume: keys missing on node 2, hints pending): " + string.Join(", ", samples.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Seconds:0.00}: {s.Missing} ({s.Pending}, {s.State})"))));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        Console.WriteLine(report.ToString());
        // The node's circuit changes and the replays, from the client's log (a circuit that opens and closes again
        // and again after the resume is the node falling behind its calls).
        foreach (var line in logs.Lines.Where(l => l.Contains("Circuit of node", StringComparison.Ordinal) || l.Contains("Hints replayed", StringComparison.Ordinal)).Take(40))
        {
            Console.Error.WriteLine(line);
        }

        return 0;
    }

    private static string At(List<(double Seconds, int Missing, int Pending, string State)> samples, double seconds)
    {
        var sample = samples.LastOrDefault(s => s.Seconds <= seconds);
        return samples.Count > 0 && samples[^1].Seconds < seconds && samples[^1].Missing == 0 ? "0" : sample == default ? "–" : sample.Missing.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary>Keys whose version on the node is older than <paramref name="expected"/> (or absent).</summary>
    private static async Task<int> MissingAsync(IDatabase db, RedisKey[] metaKeys, ReplicatedVersion[] expected)
    {
        var batch = db.CreateBatch();
        var reads = new Task<RedisValue>[metaKeys.Length];
        for (var i = 0; i < metaKeys.Length; i++)
        {
            reads[i] = expected[i].IsZero ? Task.FromResult(RedisValue.Null) : batch.HashGetAsync(metaKeys[i], "v");
        }

        batch.Execute();
        await Task.WhenAll(reads);
        var missing = 0;
        for (var i = 0; i < metaKeys.Length; i++)
        {
            if (expected[i].IsZero)
            {
                continue;
            }

            var held = reads[i].Result;
            if (held.IsNull || !ReplicatedVersion.TryParse(((string)held!).AsSpan(), out var version) || version < expected[i])
            {
                missing++;
            }
        }

        return missing;
    }
}

/// <summary>Keeps the client's log lines (Information and above) with the seconds since the driver started.</summary>
internal sealed class TraceLoggerFactory(Stopwatch clock) : Microsoft.Extensions.Logging.ILoggerFactory
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

    public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider) { }

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(TraceLoggerFactory owner) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{owner.Clock.Elapsed.TotalSeconds:0.000} {logLevel} {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
    }

    public Stopwatch Clock => clock;
}
