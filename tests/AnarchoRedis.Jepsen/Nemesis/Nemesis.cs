using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Checking;
using AnarchoRedis.Jepsen.History;
using AnarchoRedis.Jepsen.Orchestration;
using AnarchoRedis.Jepsen.Reporting;
using AnarchoRedis.Testing;
using StackExchange.Redis;

namespace AnarchoRedis.Jepsen.Nemesis;

/// <summary>
/// Injects a seeded schedule of faults, at most one node faulty at once, each held 1-4 s with 1-3 s healthy gaps.
/// The schedule (kinds, nodes, durations) follows the seed; the operations that meet it follow the machine's timing.
/// After an empty restart it runs one anti-entropy pass before the next fault: the protocol promises no loss with
/// at most N − W node losses between repairs, and an empty restart is a node loss.
/// </summary>
public sealed class Nemesis
{
    private readonly LocalCluster _cluster;
    private readonly IReadOnlyList<string> _kinds;
    private readonly Random _random;
    private readonly Func<string, CancellationToken, Task<PassSummary>>? _repair;
    private readonly Action<string> _log;
    private readonly WorkerPool? _workers;
    private readonly TimeSpan _maxClockSkew;

    public Nemesis(LocalCluster cluster, IReadOnlyList<string> kinds, int seed, Func<string, CancellationToken, Task<PassSummary>>? repair, Action<string> log, WorkerPool? workers = null, TimeSpan? maxClockSkew = null)
    {
        _cluster = cluster;
        _kinds = kinds;
        _random = new Random(seed);
        _repair = repair;
        _log = log;
        _workers = workers;
        _maxClockSkew = maxClockSkew ?? TimeSpan.FromSeconds(2);
    }

    public List<FaultWindow> Faults { get; } = new();

    public List<PassSummary> Passes { get; } = new();

    /// <summary>Runs faults until <paramref name="stop"/>; the fault in progress is always healed before returning.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        if (_kinds.Count == 0)
        {
            await Delay(Timeout.InfiniteTimeSpan, stop);
            return;
        }

        // Every kind asked for comes once first, in an order the seed draws: a slow machine that fits few faults in the
        // run still exercises each of them (a test of one kind must not depend on the draws reaching it).
        var first = _kinds.ToArray();
        _random.Shuffle(first);
        for (var index = 0; !stop.IsCancellationRequested; index++)
        {
            var gap = TimeSpan.FromMilliseconds(_random.Next(1000, 3000));
            var drawn = _kinds[_random.Next(_kinds.Count)];
            var kind = index < first.Length ? first[index] : drawn;
            var node = _random.Next(_cluster.Nodes.Count);
            var hold = TimeSpan.FromMilliseconds(_random.Next(1000, 4000));
            var latency = TimeSpan.FromMilliseconds(_random.Next(50, 201));
            // Drawn for every fault, so adding a kind's parameter does not shift the others' schedule.
            var beyond = _random.Next(2) == 0;
            if (!await Delay(gap, stop))
            {
                return;
            }

            if (kind == FaultKind.ClockJump)
            {
                await ClockJumpAsync(node % Math.Max(1, _workers?.Count ?? 1), hold, beyond, stop);
                continue;
            }

            await InjectAsync(kind, _cluster[node], hold, latency, stop);
        }
    }

    private async Task InjectAsync(string kind, LocalNode node, TimeSpan hold, TimeSpan latency, CancellationToken stop)
    {
        var start = HistoryFile.Now();
        string? detail = null;
        switch (kind)
        {
            case FaultKind.KillEmpty:
            case FaultKind.KillKeep:
                node.Kill();
                await Delay(hold, stop);
                await node.RestartAsync(kind == FaultKind.KillEmpty ? RestartMode.LoseData : RestartMode.KeepData, CancellationToken.None);
                break;
            case FaultKind.Pause:
                node.Pause();
                await Delay(hold, stop);
                node.Resume();
                break;
            case FaultKind.Stall:
            case FaultKind.Reset:
                node.Partition(kind == FaultKind.Stall ? PartitionMode.Stall : PartitionMode.Reset);
                await Delay(hold, stop);
                node.Heal();
                break;
            case FaultKind.Latency:
                node.Latency = latency;
                detail = $"{latency.TotalMilliseconds:0} ms";
                await Delay(hold, stop);
                node.Latency = TimeSpan.Zero;
                break;
            case FaultKind.Flush:
                await node.Db.ExecuteAsync("FLUSHALL");
                await Delay(hold, stop);
                break;
            case FaultKind.Busy:
                detail = await BusyAsync(node, hold);
                break;
            case FaultKind.Evict:
                detail = await EvictAsync(node, hold, stop);
                break;
            case FaultKind.Snapshot:
                await node.SnapshotAsync();
                await Delay(hold, stop);
                await node.RestartAsync(RestartMode.FromSnapshot, CancellationToken.None);
                detail = "restarted from the snapshot taken at the start";
                break;
            case FaultKind.Loading:
                detail = await LoadingAsync(node, hold);
                break;
            case FaultKind.FreshClient:
                node.Kill();
                await Delay(hold / 2, stop);
                await RenewClientsAsync();
                await Delay(hold / 2, stop);
                await node.RestartAsync(RestartMode.LoseData, CancellationToken.None);
                await RenewClientsAsync();
                // The fresh clients start against the wiped node before the pass refills it.
                await Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                detail = "clients renewed while down and while wiped";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown fault");
        }

        var window = new FaultWindow(kind, node.Index, start, HistoryFile.Now(), detail);
        Faults.Add(window);
        _log($"fault {kind} on node {node.Index}{(detail is null ? string.Empty : " (" + detail + ")")} for {(window.End - window.Start) / 1000} ms");
        if (FaultKind.LosesData(kind) && _repair is not null)
        {
            // Not cancelled by the stop: the final phase must start from a repaired cluster like every other fault.
            var pass = await _repair($"after {kind} of node {node.Index}", CancellationToken.None);
            Passes.Add(pass);
        }
    }

    /// <summary>
    /// Runs a script on the node that spins for the hold: other clients' commands get BUSY replies once the script has
    /// run past busy-reply-threshold (lowered to 50 ms for the window). The script writes nothing, so it ends on its own.
    /// </summary>
    private static async Task<string> BusyAsync(LocalNode node, TimeSpan hold)
    {
        await node.Db.ExecuteAsync("CONFIG", "SET", "busy-reply-threshold", "50");
        try
        {
            await node.Db.ScriptEvaluateAsync(
                "local t = redis.call('TIME') local start = t[1] * 1000 + t[2] / 1000 " +
                "while true do local n = redis.call('TIME') if n[1] * 1000 + n[2] / 1000 - start >= tonumber(ARGV[1]) then break end end return 1",
                [],
                [(long)hold.TotalMilliseconds]);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The direct connection's own timeout is longer than any hold; a failure here only shortens the window.
            return "busy script: " + e.GetType().Name;
        }

        return $"{hold.TotalMilliseconds:0} ms";
    }

    private async Task RenewClientsAsync()
    {
        if (_workers is not null)
        {
            await _workers.SendAsync("renew");
        }
    }

    /// <summary>One worker's clock jumps forward (within or beyond MaxClockSkew) for the hold, then back.</summary>
    private async Task ClockJumpAsync(int worker, TimeSpan hold, bool beyond, CancellationToken stop)
    {
        if (_workers is null)
        {
            return;
        }

        var jump = (long)(beyond ? _maxClockSkew.TotalMilliseconds * 2 : _maxClockSkew.TotalMilliseconds / 2);
        var start = HistoryFile.Now();
        await _workers.SendAsync($"clock {jump}", worker);
        await Delay(hold, stop);
        await _workers.SendAsync("clock 0", worker);
        var detail = $"worker {worker} +{jump} ms ({(beyond ? "beyond" : "within")} MaxClockSkew {_maxClockSkew.TotalMilliseconds:0} ms)";
        var window = new FaultWindow(FaultKind.ClockJump, worker, start, HistoryFile.Now(), detail);
        Faults.Add(window);
        _log($"fault {FaultKind.ClockJump}: {detail} for {(window.End - window.Start) / 1000} ms");
    }

    /// <summary>
    /// Makes the node's data load slowly at a restart, answering LOADING meanwhile. The node is stalled at its proxy
    /// first (clients' commands wait), so the append-only file's rewrite (its base then holds every key as a snapshot;
    /// without persistence, a snapshot) is all there is to load: redis-server applies the key load delay to every key of
    /// a snapshot and to every command of the append-only tail, which must stay empty. Then a kill, a restart with a
    /// delay per key that makes the load last about the hold, and the heal while it loads, so the clients' commands meet
    /// LOADING replies. Nothing acknowledged is lost.
    /// </summary>
    private static async Task<string> LoadingAsync(LocalNode node, TimeSpan hold)
    {
        node.Partition(PartitionMode.Stall);
        try
        {
            var info = (string?)await node.Db.ExecuteAsync("INFO", "persistence") ?? string.Empty;
            if (info.Contains("aof_enabled:1", StringComparison.Ordinal))
            {
                // A rewrite still running (an earlier fault's, or the server's own) refuses a new one: wait for it, then
                // start ours, whose base holds every key now.
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await node.Db.ExecuteAsync("BGREWRITEAOF");
                        break;
                    }
                    catch (RedisServerException ex) when (attempt < 1000 && ex.Message.Contains("already in progress", StringComparison.Ordinal))
                    {
                        await Task.Delay(10);
                    }
                }

                for (var i = 0; i < 1000; i++)
                {
                    await Task.Delay(10);
                    info = (string?)await node.Db.ExecuteAsync("INFO", "persistence") ?? string.Empty;
                    if (info.Contains("aof_rewrite_in_progress:0", StringComparison.Ordinal) && info.Contains("aof_rewrite_scheduled:0", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
            }
            else
            {
                await node.SnapshotAsync();
            }

            var keys = Math.Max(1L, (long)await node.Db.ExecuteAsync("DBSIZE"));
            var delayMicros = Math.Clamp((long)hold.TotalMilliseconds * 1000 / keys, 50, 200_000);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            // The kill and the process start happen before the first await of the restart.
            var restart = node.RestartWithArgumentsAsync(
                RestartMode.KeepData,
                ["--key-load-delay", delayMicros.ToString(System.Globalization.CultureInfo.InvariantCulture), "--loading-process-events-interval-bytes", "1024"],
                CancellationToken.None);
            node.Heal();
            await restart;
            return $"{keys} keys at {delayMicros} µs each: loaded in {watch.ElapsedMilliseconds} ms";
        }
        finally
        {
            node.Heal();
        }
    }

    /// <summary>Cuts maxmemory to 70% of what the node uses, with random eviction, for the hold; then lifts the limit.</summary>
    private static async Task<string> EvictAsync(LocalNode node, TimeSpan hold, CancellationToken stop)
    {
        var info = (string?)await node.Db.ExecuteAsync("INFO", "memory") ?? string.Empty;
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith("used_memory:", StringComparison.Ordinal)) ?? "used_memory:0";
        var used = long.Parse(line["used_memory:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var limit = Math.Max(1L << 20, used * 7 / 10);
        await node.Db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "allkeys-random");
        await node.Db.ExecuteAsync("CONFIG", "SET", "maxmemory", limit);
        try
        {
            await Delay(hold, stop);
        }
        finally
        {
            await node.Db.ExecuteAsync("CONFIG", "SET", "maxmemory", 0);
        }

        return $"maxmemory {limit / 1024} KiB of {used / 1024} KiB used";
    }

    /// <summary>Waits; false when stopped meanwhile.</summary>
    private static async Task<bool> Delay(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
