using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.History;
using AnarchoRedis.Jepsen.Models;
using Microsoft.Extensions.DependencyInjection;

namespace AnarchoRedis.Jepsen.Workload;

/// <summary>
/// One client instance (its own <see cref="AnarchoRedisClient"/>, writer id and generated repositories) running one
/// operation at a time, like a Jepsen process, and recording each as invoke then ok / fail / info.
/// </summary>
public sealed class WorkloadClient : IAsyncDisposable
{
    private readonly WorkloadSettings _settings;
    private readonly int _client;
    private readonly HistoryFile _history;
    private readonly Random _random;
    private readonly ShiftableTimeProvider _clock;
    private readonly List<(string Key, int Id, string Element)> _recent = new();
    private ServiceProvider _services;
    private IRegisterRepository _registers;
    private IElementListRepository _lists;
    private IQueueItemListRepository _queues;
    private IFeedItemListRepository _feeds;
    private (int Id, string[] Elements) _lastRead = (-1, []);
    private long _seq;
    private int _renewRequests;
    private int _renewed;

    public WorkloadClient(WorkloadSettings settings, int client, HistoryFile history, ShiftableTimeProvider? clock = null)
    {
        _settings = settings;
        _client = client;
        _history = history;
        _clock = clock ?? new ShiftableTimeProvider();
        // Not HashCode.Combine: it is randomized per process, and the seed must replay the same operation choices.
        _random = new Random(unchecked((settings.Seed * 1_000_003) + (settings.Process * 1_009) + client));
        (_services, _registers, _lists, _queues, _feeds) = Build();
    }

    /// <summary>The role of list and register ids: the workload uses times to live, trims and list deletes on some keys only, so the others keep the strictest checks.</summary>
    public static KeyRole RoleOf(int id, int keys) => keys < 3 ? KeyRole.Plain : (id % keys) switch
    {
        0 => KeyRole.Ttl,
        1 => KeyRole.Churn,
        _ => KeyRole.Plain,
    };

    private (ServiceProvider, IRegisterRepository, IElementListRepository, IQueueItemListRepository, IFeedItemListRepository) Build()
    {
        var settings = _settings;
        var client = _client;
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddAnarchoRedis(o =>
        {
            foreach (var endPoint in settings.EndPoints)
            {
                o.Nodes.Add(endPoint);
            }

            o.NodeTimeout = settings.NodeTimeout;
            o.ConnectTimeout = TimeSpan.FromSeconds(2);
            o.WriteConsistency = settings.WriteConsistency;
            o.ReadConsistency = settings.ReadConsistency;
            o.ReadFanOut = settings.ReadFanOut;
            o.MaxClockSkew = settings.MaxClockSkew;
            // Distinct per client instance across processes, so every version names its writer.
            o.WriterId = (ulong)(((settings.Process + 1) << 16) | (client + 1));
            o.PopClaimLease = settings.PopClaimLease;
            o.AntiEntropy.Enabled = false;
        }).AddAnarchoRedisJepsenRepositories();
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IRegisterRepository>(), provider.GetRequiredService<IElementListRepository>(), provider.GetRequiredService<IQueueItemListRepository>(), provider.GetRequiredService<IFeedItemListRepository>());
    }

    /// <summary>
    /// Asks the client to drop its <see cref="AnarchoRedisClient"/> and start a new one before its next operation (the
    /// fresh-client nemesis: a client that starts while a node is down or wiped). Thread-safe.
    /// </summary>
    public void RequestRenew() => Interlocked.Increment(ref _renewRequests);

    /// <summary>How many times the client was replaced by a fresh one.</summary>
    public int Renewed => Volatile.Read(ref _renewed);

    private async Task RenewIfAskedAsync(CancellationToken stop)
    {
        if (Interlocked.Exchange(ref _renewRequests, 0) == 0)
        {
            return;
        }

        await _services.DisposeAsync();
        (_services, _registers, _lists, _queues, _feeds) = Build();
        Interlocked.Increment(ref _renewed);
        await WarmUpAsync(stop);
    }

    /// <summary>Connects (the DI client is created on first use) with one read that is not recorded.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _registers.GetAsync(-1, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is AnarchoRedisException or OperationCanceledException or TimeoutException)
        {
            // A node may be faulty already; the recorded operations say how that goes.
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await RenewIfAskedAsync(stop);
            await RunOneAsync();
        }
    }

    private string Unique() => $"p{_settings.Process}c{_client}#{++_seq}";

    private int ListId(KeyRole? role = null)
    {
        var generation = (int)(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - _settings.StartMillis) / (long)_settings.ListGeneration.TotalMilliseconds);
        var slot = role == KeyRole.Churn && _settings.Keys >= 3 ? 1 : _random.Next(_settings.Keys);
        return generation * _settings.Keys + slot;
    }

    private async Task RunOneAsync()
    {
        if (_settings.Mix == "queue")
        {
            await (_client < _settings.QueuePushers ? QueuePushAsync() : QueuePopAsync());
            return;
        }

        if (_settings.Mix == "feed")
        {
            await FeedOperationAsync();
            return;
        }

        var roll = _random.Next(100);
        if (_settings.Mix == "registers")
        {
            // Half writes, half reads, registers only: what "operations succeed" means with one node faulty.
            roll = roll < 50 ? 40 : 65;
        }

        if (roll < 30)
        {
            await AppendAsync();
        }
        else if (roll < 52)
        {
            var id = _random.Next(_settings.Keys);
            var value = Unique();
            long? ttl = RoleOf(id, _settings.Keys) == KeyRole.Ttl && _random.Next(2) == 0 ? _random.Next(300, 3000) : null;
            var options = ttl is { } t ? new WriteOptions { TimeToLive = TimeSpan.FromMilliseconds(t) } : null;
            await RecordAsync(OpFunction.Write, RegisterRepository.FormatKey(id), value, null, ttl, async ct =>
                Done(version: (await _registers.SetAsync(new Register { Id = id, Value = value }, options, ct)).Version));
        }
        else if (roll < 56)
        {
            var id = _random.Next(_settings.Keys);
            await RecordAsync(OpFunction.Delete, RegisterRepository.FormatKey(id), null, null, null, async ct =>
                Done(version: (await _registers.DeleteAsync(id, cancellationToken: ct)).Version));
        }
        else if (roll < 74)
        {
            var id = _random.Next(_settings.Keys);
            await RecordAsync(OpFunction.Read, RegisterRepository.FormatKey(id), null, null, null, async ct =>
            {
                var read = await _registers.GetVersionedAsync(id, cancellationToken: ct);
                return read is { } r ? Done(version: r.Version, value: r.Value.Value) : Done();
            });
        }
        else if (roll < 90)
        {
            var id = ListId();
            await RecordAsync(OpFunction.ReadList, ElementListRepository.FormatKey(id), null, null, null, async ct =>
            {
                var items = await _lists.RangeAsync(id, cancellationToken: ct);
                var elements = items.Select(i => i.Value).ToArray();
                _lastRead = (id, elements);
                return Done(elements: elements);
            });
        }
        else if (roll < 96)
        {
            await RemoveAsync();
        }
        else if (roll < 98)
        {
            // Trims and list deletes go to the churn lists only, so the other lists keep the strict "every acknowledged
            // append is there" check. A trim keeps the newest half or so; a delete starts the list again (later pushes
            // re-create it).
            var id = ListId(KeyRole.Churn);
            var keep = _random.Next(5, 40);
            var left = _random.Next(2) == 0;
            await RecordAsync(OpFunction.Trim, ElementListRepository.FormatKey(id), left ? $"0..{keep - 1}" : $"-{keep}..-1", null, null, async ct =>
                Done(version: (left ? await _lists.TrimAsync(id, 0, keep - 1, cancellationToken: ct) : await _lists.TrimAsync(id, -keep, -1, cancellationToken: ct)).Version));
        }
        else
        {
            var id = ListId(KeyRole.Churn);
            await RecordAsync(OpFunction.DeleteList, ElementListRepository.FormatKey(id), null, null, null, async ct =>
                Done(version: (await _lists.DeleteAsync(id, cancellationToken: ct)).Version));
        }
    }

    private async Task AppendAsync()
    {
        var id = ListId();
        var element = Unique();
        var left = _random.Next(2) == 0;
        // Lists of the TTL role: half the pushes set a time to live (the list's expiry is its newest push's), half clear it.
        long? ttl = RoleOf(id, _settings.Keys) == KeyRole.Ttl && _random.Next(2) == 0 ? _random.Next(500, 4000) : null;
        var options = ttl is { } t ? new WriteOptions { TimeToLive = TimeSpan.FromMilliseconds(t) } : null;
        var key = ElementListRepository.FormatKey(id);
        await RecordAsync(OpFunction.Append, key, element, left ? "L" : "R", ttl, async ct =>
        {
            var item = new Element { Id = id, Value = element };
            var result = left ? await _lists.PushLeftAsync(id, item, options, ct) : await _lists.PushRightAsync(id, item, options, ct);
            _recent.Add((key, id, element));
            if (_recent.Count > 20)
            {
                _recent.RemoveAt(0);
            }

            return Done(version: result.Version);
        });
    }

    /// <summary>The <c>queue</c> mix's pushers: a unique element onto one of the queues, at either end.</summary>
    private async Task QueuePushAsync()
    {
        var id = _random.Next(_settings.Keys);
        var element = Unique();
        var left = _random.Next(2) == 0;
        await RecordAsync(OpFunction.QueuePush, QueueItemListRepository.FormatKey(id), element, left ? "L" : "R", null, async ct =>
        {
            var item = new QueueItem { Id = id, Value = element };
            var result = left ? await _queues.PushLeftAsync(id, item, cancellationToken: ct) : await _queues.PushRightAsync(id, item, cancellationToken: ct);
            return Done(version: result.Version);
        });
    }

    /// <summary>
    /// The <c>queue</c> mix's poppers: an exactly-once pop from either end of one of the queues, recorded with the element
    /// it returned (the popper is the operation's process and client). A pop that found nothing claimable waits a few ms
    /// before the next, so idle poppers do not spin.
    /// </summary>
    private async Task QueuePopAsync()
    {
        var id = _random.Next(_settings.Keys);
        var left = _random.Next(2) == 0;
        var popped = false;
        await RecordAsync(OpFunction.QueuePop, QueueItemListRepository.FormatKey(id), null, left ? "L" : "R", null, async ct =>
        {
            var item = left ? await _queues.PopLeftOnceAsync(id, cancellationToken: ct) : await _queues.PopRightOnceAsync(id, cancellationToken: ct);
            popped = item is not null;
            return Done(value: item?.Value);
        });

        if (!popped)
        {
            await Task.Delay(_random.Next(2, 15));
        }
    }

    /// <summary>
    /// The <c>feed</c> mix: 85% a push of a unique element onto one of the capped feeds (either end), 13% a read of a whole
    /// feed, 2% a <c>TrimToNewestAsync</c> to 5-20 elements (the count is the operation's value). No removal by value:
    /// a capped feed's bookkeeping must stay its data and its meta.
    /// </summary>
    private async Task FeedOperationAsync()
    {
        var id = _random.Next(_settings.Keys);
        var key = FeedItemListRepository.FormatKey(id);
        var roll = _random.Next(100);
        if (roll < 85)
        {
            var element = Unique();
            var left = _random.Next(2) == 0;
            await RecordAsync(OpFunction.FeedPush, key, element, left ? "L" : "R", null, async ct =>
            {
                var item = new FeedItem { Id = id, Value = element };
                var result = left ? await _feeds.PushLeftAsync(id, item, cancellationToken: ct) : await _feeds.PushRightAsync(id, item, cancellationToken: ct);
                return Done(version: result.Version) with { Count = result.Length };
            });
        }
        else if (roll < 98)
        {
            await RecordAsync(OpFunction.FeedRead, key, null, null, null, async ct =>
                Done(elements: (await _feeds.RangeAsync(id, cancellationToken: ct)).Select(i => i.Value).ToArray()));
        }
        else
        {
            var keep = _random.Next(5, FeedItem.Cap + 1);
            await RecordAsync(OpFunction.FeedTrim, key, keep.ToString(System.Globalization.CultureInfo.InvariantCulture), null, null, async ct =>
            {
                var result = await _feeds.TrimToNewestAsync(id, keep, cancellationToken: ct);
                return Done(version: result.Version) with { Count = result.Length };
            });
        }
    }

    /// <summary>Removes an element this client appended lately, or one its last list read returned (another client's, maybe).</summary>
    private async Task RemoveAsync()
    {
        int id;
        string element;
        if (_random.Next(2) == 0 && _lastRead.Elements.Length > 0)
        {
            id = _lastRead.Id;
            element = _lastRead.Elements[_random.Next(_lastRead.Elements.Length)];
        }
        else if (_recent.Count > 0)
        {
            var pick = _random.Next(_recent.Count);
            (_, id, element) = _recent[pick];
            _recent.RemoveAt(pick);
        }
        else
        {
            return;
        }

        await RecordAsync(OpFunction.Remove, ElementListRepository.FormatKey(id), element, null, null, async ct =>
        {
            var removed = await _lists.RemoveAsync(id, new Element { Id = id, Value = element }, cancellationToken: ct);
            return Done() with { Count = removed };
        });
    }

    private static OpEvent Done(ReplicatedVersion? version = null, string? value = null, string[]? elements = null) =>
        new() { Version = version?.ToString(), Value = value, Elements = elements };

    private async Task RecordAsync(OpFunction f, string key, string? input, string? side, long? ttlMs, Func<CancellationToken, Task<OpEvent>> operation)
    {
        var id = Interlocked.Increment(ref _seq);
        var invoke = new OpEvent { Id = id, Process = _settings.Process, Client = _client, Type = OpType.Invoke, F = f, Key = key, Value = input, Side = side, TtlMs = ttlMs, Time = HistoryFile.Now() };
        _history.Append(invoke);
        // The library computes the expiry from this same clock, once, during the call.
        var clockBefore = _clock.NowMs();
        OpEvent completion;
        using var timeout = new CancellationTokenSource(_settings.OperationTimeout);
        try
        {
            var result = await operation(timeout.Token);
            completion = result with { Type = OpType.Ok };
        }
        catch (QuorumNotReachedException e) when (!e.IsIndeterminate)
        {
            completion = new OpEvent { Type = OpType.Fail, Error = Short(e) };
        }
        catch (PopContendedException e)
        {
            // An exactly-once pop whose claims split in every round: nothing was popped.
            completion = new OpEvent { Type = OpType.Fail, Error = Short(e) };
        }
        catch (Exception e)
        {
            // Timeouts, cancellations, indeterminate quorum failures and anything unexpected: it may have applied.
            completion = new OpEvent { Type = OpType.Info, Error = Short(e) };
        }

        var clockAfter = _clock.NowMs();
        if (ttlMs is { } ttl)
        {
            completion = completion with { ExpiryMin = clockBefore + ttl, ExpiryMax = clockAfter + ttl };
        }

        _history.Append(completion with { Id = id, Process = _settings.Process, Client = _client, F = f, Key = key, Time = HistoryFile.Now() });
    }

    /// <summary>The error, compact: for a quorum failure every node's outcome with the start of its error.</summary>
    private static string Short(Exception e)
    {
        if (e is QuorumNotReachedException q)
        {
            var text = new System.Text.StringBuilder();
            text.Append("QuorumNotReached ").Append(q.Operation).Append(' ').Append(q.Acknowledged).Append('/').Append(q.Required).Append(':');
            foreach (var outcome in q.Outcomes)
            {
                text.Append(' ').Append(outcome.Node).Append('=').Append(outcome.Kind);
                if (outcome.Error is { } error)
                {
                    var message = error.Message;
                    var cut = message.IndexOfAny(['(', ',', ';']);
                    text.Append(" [").Append(cut > 0 ? message[..cut].TrimEnd() : message.Length <= 80 ? message : message[..80]).Append(']');
                }

                text.Append(';');
            }

            return text.ToString();
        }

        var plain = e.GetType().Name + ": " + e.Message;
        return plain.Length <= 300 ? plain : plain[..300];
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>What the workload does with a key (by its id): see <see cref="WorkloadClient.RoleOf"/>.</summary>
public enum KeyRole
{
    /// <summary>Appends, writes, deletes of registers, removes of single elements: every check at full strength.</summary>
    Plain,

    /// <summary>Also writes and pushes with a time to live (half of them), so values and lists expire, renew and lose their expiry.</summary>
    Ttl,

    /// <summary>Lists also trimmed and deleted (then re-created by later pushes).</summary>
    Churn,
}
