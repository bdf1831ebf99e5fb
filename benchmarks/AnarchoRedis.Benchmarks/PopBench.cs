using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// Exactly-once pops against plain pops (<c>--pops</c>, issue 18): one list on 3 standalone redis-servers, popped from
/// the left by 1 and by 8 concurrent poppers (<c>--pop-poppers</c>), in rotated order over rounds. Three cases: a plain
/// StackExchange.Redis <c>LPOP</c> fanned out to every node, waiting for 2 of 3 (the baseline: no versions, no
/// agreement); the SDK's at-least-once <see cref="ReplicatedListStore{T}.PopLeftAsync"/>; and its exactly-once
/// <see cref="ReplicatedListStore{T}.PopLeftOnceAsync"/>. Every row pops a fresh list filled just before it (the SDK's
/// with <c>--pop-length</c> elements, the LPOP one with as many as the row needs), so no row pops an empty list, and
/// none inherits another's tombstones; the row reports how many elements were left, the empty pops, the claim rounds
/// retried (the <c>anarchoredis.operation.pop_retries</c> counter) and the <see cref="PopContendedException"/>s.
/// </summary>
internal static class PopBench
{
    private const int FillBatch = 1_000;
    private const int FirstRawFill = 300_000;

    public static async Task<int> RunAsync(BenchArguments options, string redisPath, string[] args)
    {
        var loadBefore = Program.LoadAverage();
        await using var servers = await RedisServers.StartAsync(redisPath, options.Nodes);
        Console.Error.WriteLine($"Started {options.Nodes} redis-server processes (pids {string.Join(", ", servers.ProcessIds)}) on {string.Join(", ", servers.EndPoints)}");
        var connections = new List<ConnectionMultiplexer>();
        try
        {
            foreach (var endPoint in servers.EndPoints)
            {
                connections.Add(await ConnectionMultiplexer.ConnectAsync(Program.NodeConfiguration(endPoint, options)));
            }

            await using var client = await AnarchoRedisClient.ConnectAsync(servers.CreateOptions(o =>
            {
                o.NodeTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
                o.AntiEntropy.Enabled = false;
            }));
            var rows = await RunRowsAsync(options, servers, [.. connections.Select(c => c.GetDatabase())], client);
            var environment = Program.Describe(options, redisPath, args, loadBefore, Program.LoadAverage())
                .Select(e => e.Name == "Load" ? (e.Name, Load(options)) : e)
                .ToList();
            var report = Report.Markdown(environment, [.. rows.Select(r => r.Result)], options) + Markdown(rows, options);
            Console.WriteLine(report);
            if (options.Out is { } path)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                await File.WriteAllTextAsync(path, report);
                Console.Error.WriteLine($"Written to {path}");
            }

            // A contended once-pop is an outcome the table reports; any other error, or a row that ran dry, spoils the figures.
            return rows.Any(r => r.Result.Errors > Counter(r.Result, Contended) || r.RanDry) ? 1 : 0;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"The benchmark failed: {ex}");
            return 1;
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.CloseAsync(allowCommandsToComplete: false);
                connection.Dispose();
            }
        }
    }

    // Indexes of CaseResult.Counters.
    private const int Retries = 0;
    private const int Contended = 1;
    private const int Empty = 2;
    private const int Removed = 3;

    private static long Counter(CaseResult result, int index) => result.Counters.Length > index ? result.Counters[index] : 0;

    private static async Task<List<Row>> RunRowsAsync(BenchArguments options, RedisServers servers, IDatabase[] db, AnarchoRedisClient client)
    {
        var n = db.Length;
        var q = (n / 2) + 1;
        var workload = new Workload(1, options.ValueBytes);
        var payload = (RedisValue)workload.Payload;
        var store = client.GetListStore(new ReplicatedListDescriptor<BenchValue>("bench.list", "pop:{Id}"));
        using var retries = new PopRetryCounter();
        long contended = 0, empty = 0;
        // The list's length on the first node (negated: the delta is what was removed; the data key is the list's key).
        Func<long[]> Counters(RedisKey list) => () => [retries.Value, Interlocked.Read(ref contended), Interlocked.Read(ref empty), -db[0].ListLength(list)];

        async Task<(long Calls, long Usec)> ScriptStatsAsync()
        {
            long calls = 0, usec = 0;
            foreach (var server in servers.ServerHandles)
            {
                var (c, u) = Program.CommandStats(await server.InfoRawAsync("commandstats") ?? string.Empty, "evalsha");
                calls += c;
                usec += u;
            }

            return (calls, usec);
        }

        var rows = new List<Row>();
        var cases = new List<Func<int, Task>>();
        foreach (var poppers in options.PopPoppers)
        {
            var driver = new LoadDriver(poppers, options.Warmup, options.Duration, 1, servers.ProcessIds, scriptStats: ScriptStatsAsync);
            var label = poppers == 1 ? "1 popper" : string.Create(CultureInfo.InvariantCulture, $"{poppers} poppers");

            // P1. Plain LPOP to every node, waiting for q: what the pop costs without versions, ids or agreement.
            if (options.Runs("pop-raw"))
            {
                var row = new Row(new CaseResult($"P1. plain LPOP fan-out, {q} of {n}", $"LPOP, {label}"), poppers);
                rows.Add(row);
                var key = default(RedisKey);
                cases.Add(async round =>
                {
                    key = string.Create(CultureInfo.InvariantCulture, $"poplraw:{poppers}:{round}");
                    var elapsed = (options.Warmup + options.Duration).TotalSeconds;
                    var fill = round == 0 ? Math.Max(FirstRawFill, options.PopLength) : Math.Max(options.PopLength, (int)Math.Ceiling(row.Result.OpsPerSecond * elapsed * 1.5) + FillBatch);
                    Console.Error.Write($"[round {round + 1}] {row.Result.Group}, {label}: fill {fill:N0}…");
                    var batch = Enumerable.Repeat(payload, FillBatch).ToArray();
                    foreach (var node in db)
                    {
                        for (var done = 0; done < fill; done += FillBatch)
                        {
                            var count = Math.Min(FillBatch, fill - done);
                            await node.ListRightPushAsync(key, count == FillBatch ? batch : batch[..count]);
                        }

                        Program.Require(await node.ListLengthAsync(key) == fill, $"pop-raw: a node's list is not {fill} long after the fill");
                    }

                    row.Started(fill);
                    Console.Error.Write(" LPOP…");
                    await driver.RunAsync(row.Result, _ => Fan(db, q, key, static (node, key) => node.ListLeftPopAsync(key)), Counters(key));
                    var left = new long[n];
                    for (var i = 0; i < n; i++)
                    {
                        left[i] = await db[i].ListLengthAsync(key);
                        await db[i].KeyDeleteAsync(key);
                    }

                    row.Ended(left.Min());
                    Console.Error.WriteLine($" {row.Result.OpsPerSecond:N0}/s (cumulative), {left.Min():N0} left");
                });
            }

            // P2 and P3. The SDK at W = q: the at-least-once pop (a quorum read of the head, then its removal by id) and the
            // exactly-once pop (claim on every node, take on a quorum of claimants, drop elsewhere).
            foreach (var (group, selector, once) in new[]
            {
                ($"P2. SDK PopLeftAsync (at-least-once), W={q} of {n}", "pop-sdk", false),
                ($"P3. SDK PopLeftOnceAsync (exactly-once), W={q} of {n}", "pop-once", true),
            })
            {
                if (!options.Runs(selector))
                {
                    continue;
                }

                var row = new Row(new CaseResult(group, $"{(once ? "LPOP once" : "LPOP")}, {label}"), poppers);
                rows.Add(row);
                var key = string.Empty;
                cases.Add(async round =>
                {
                    key = string.Create(CultureInfo.InvariantCulture, $"pop:{selector}:{poppers}:{round}");
                    Console.Error.Write($"[round {round + 1}] {group}, {label}: fill {options.PopLength:N0}…");
                    var batch = Enumerable.Repeat(workload.Value, FillBatch).ToArray();
                    for (var done = 0; done < options.PopLength; done += FillBatch)
                    {
                        var count = Math.Min(FillBatch, options.PopLength - done);
                        await store.PushRightAsync(key, count == FillBatch ? batch : batch[..count], WriteOptions.All);
                    }

                    Program.Require(await store.LengthAsync(key, ReadOptions.All) == options.PopLength, $"{selector}: the list is not {options.PopLength} long after the fill");
                    row.Started(options.PopLength);
                    Console.Error.Write(once ? " LPOP once…" : " LPOP…");
                    await driver.RunAsync(row.Result, async _ =>
                    {
                        BenchValue? popped;
                        try
                        {
                            popped = once
                                ? await store.PopLeftOnceAsync(key, WriteOptions.Quorum).ConfigureAwait(false)
                                : await store.PopLeftAsync(key, WriteOptions.Quorum).ConfigureAwait(false);
                        }
                        catch (PopContendedException)
                        {
                            Interlocked.Increment(ref contended);
                            throw;
                        }

                        if (popped is null)
                        {
                            Interlocked.Increment(ref empty);
                        }

                        return popped;
                    }, Counters(key));
                    var left = await store.LengthAsync(key, ReadOptions.All);
                    row.Ended(left);
                    await store.DeleteAsync(key, WriteOptions.All);
                    Console.Error.WriteLine($" {row.Result.OpsPerSecond:N0}/s (cumulative), {left:N0} left, {Counter(row.Result, Retries):N0} claim rounds retried, {Counter(row.Result, Contended):N0} contended");
                });
            }
        }

        // Round r starts at case r (mod count): no case always runs first or last while other load comes and goes.
        for (var round = 0; round < options.Rounds; round++)
        {
            for (var i = 0; i < cases.Count; i++)
            {
                await cases[(i + round) % cases.Count](round);
            }
        }

        return rows;
    }

    /// <summary>"Wait for q of n" over one command per node (no closure: the key is the state).</summary>
    private static ValueTask<bool> Fan(IDatabase[] db, int q, RedisKey key, Func<IDatabase, RedisKey, Task> send)
    {
        var quorum = Quorum.Of(q, db.Length);
        foreach (var node in db)
        {
            quorum.Add(send(node, key));
        }

        return new ValueTask<bool>(quorum.Outcome);
    }

    private static string Load(BenchArguments options) => string.Create(
        CultureInfo.InvariantCulture,
        $"one list per row, popped from the left by {string.Join(" or ", options.PopPoppers)} concurrent poppers (closed loop, one client), ~{options.ValueBytes}-byte elements; the SDK's lists hold {options.PopLength:N0} elements at the start of each row, the LPOP lists as many as the row needs; {options.Warmup.TotalSeconds:0.#} s warmup + {options.Duration.TotalSeconds:0.#} s measured per row{(options.Rounds > 1 ? $" and round, {options.Rounds} rounds (rotated order), figures summed over rounds" : string.Empty)}; SDK: defaults but NodeTimeout = --timeout and anti-entropy off");

    private static string Markdown(List<Row> rows, BenchArguments options)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine().AppendLine("### Pops").AppendLine();
        text.AppendLine("Elements removed per pop: the first node's list length at the start of the measured window minus at its end, over the pops that returned an element in it (below 1: pops returned the same element; exact to the pops in flight at either end).").AppendLine();
        text.AppendLine("| case | op | pops | elements removed per pop | claim rounds retried | retried per pop | PopContendedException | empty pops | list length at row start | fewest left at row end |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var r = row.Result;
            var retried = Counter(r, Retries);
            var perPop = r.Operations == 0 ? 0 : (double)retried / r.Operations;
            var removed = r.Operations == 0 ? 0 : (double)Counter(r, Removed) / r.Operations;
            text.AppendLine(inv, $"| {r.Group} | {r.Operation} | {r.Operations:N0} | {removed:0.00} | {retried:N0} | {perPop:0.000} | {Counter(r, Contended):N0} | {Counter(r, Empty):N0} | {row.StartLength:N0} | {row.FewestLeft:N0}{(row.RanDry ? " (ran dry)" : string.Empty)} |");
        }

        var ratios = new List<string>();
        foreach (var poppers in options.PopPoppers)
        {
            void Ratio(string name, string numerator, string denominator)
            {
                var a = rows.FirstOrDefault(r => r.Poppers == poppers && r.Result.Group.StartsWith(numerator, StringComparison.Ordinal))?.Result;
                var b = rows.FirstOrDefault(r => r.Poppers == poppers && r.Result.Group.StartsWith(denominator, StringComparison.Ordinal))?.Result;
                if (a is null || b is null || b.OpsPerSecond == 0 || a.Operations == 0)
                {
                    return;
                }

                double Cpu(CaseResult r) => r.ClientCpuUsPerOp + r.ServerCpuUsPerOp;
                ratios.Add(string.Create(inv, $"| {name} | {poppers} | {a.OpsPerSecond / b.OpsPerSecond:0.00}x | {Cpu(a) / Math.Max(0.001, Cpu(b)):0.00}x | {a.AllocatedBytesPerOp / Math.Max(1, b.AllocatedBytesPerOp):0.00}x | {a.P50Us / Math.Max(1, b.P50Us):0.00}x |"));
            }

            Ratio("exactly-once / at-least-once (SDK)", "P3.", "P2.");
            Ratio("at-least-once (SDK) / plain LPOP", "P2.", "P1.");
            Ratio("exactly-once (SDK) / plain LPOP", "P3.", "P1.");
        }

        if (ratios.Count > 0)
        {
            text.AppendLine().AppendLine("Ratios within this run:").AppendLine();
            text.AppendLine("| ratio | poppers | ops/s | CPU µs/op (client + servers) | alloc B/op | p50 |").AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var line in ratios)
            {
                text.AppendLine(line);
            }
        }

        return text.ToString();
    }

    /// <summary>One row: its figures, its popper count, and the list lengths it saw (over rounds).</summary>
    private sealed class Row(CaseResult result, int poppers)
    {
        public CaseResult Result { get; } = result;

        public int Poppers { get; } = poppers;

        /// <summary>The longest list a round of this row started with (the SDK rows: always --pop-length).</summary>
        public long StartLength { get; private set; }

        /// <summary>The fewest elements any round of this row left (on the node with the fewest, for LPOP).</summary>
        public long FewestLeft { get; private set; } = long.MaxValue;

        /// <summary>Some pop found the list empty: the row's figures include pops of nothing.</summary>
        public bool RanDry => FewestLeft == 0 || Counter(Result, Empty) > 0;

        public void Started(long length) => StartLength = Math.Max(StartLength, length);

        public void Ended(long left) => FewestLeft = Math.Min(FewestLeft, left);
    }

    /// <summary>Sums <c>anarchoredis.operation.pop_retries</c> (claim rounds of exactly-once pops that had to be tried again).</summary>
    private sealed class PopRetryCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _value;

        public PopRetryCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == AnarchoRedisMetrics.MeterName && instrument.Name == "anarchoredis.operation.pop_retries")
                {
                    listener.EnableMeasurementEvents(instrument, this);
                }
            };
            _listener.SetMeasurementEventCallback<long>(static (_, value, _, state) => Interlocked.Add(ref ((PopRetryCounter)state!)._value, value));
            _listener.Start();
        }

        public long Value => Interlocked.Read(ref _value);

        public void Dispose() => _listener.Dispose();
    }
}
