using System;
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
    private readonly ServiceProvider _services;
    private readonly IRegisterRepository _registers;
    private readonly IElementListRepository _lists;
    private long _seq;

    public WorkloadClient(WorkloadSettings settings, int client, HistoryFile history)
    {
        _settings = settings;
        _client = client;
        _history = history;
        // Not HashCode.Combine: it is randomized per process, and the seed must replay the same operation choices.
        _random = new Random(unchecked((settings.Seed * 1_000_003) + (settings.Process * 1_009) + client));
        var services = new ServiceCollection();
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
            // Distinct per client instance across processes, so every version names its writer.
            o.WriterId = (ulong)(((settings.Process + 1) << 16) | (client + 1));
            o.AntiEntropy.Enabled = false;
        }).AddAnarchoRedisJepsenRepositories();
        _services = services.BuildServiceProvider();
        _registers = _services.GetRequiredService<IRegisterRepository>();
        _lists = _services.GetRequiredService<IElementListRepository>();
    }

    /// <summary>Connects (the DI client is created on first use) with one read that is not recorded.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _registers.GetAsync(-1, cancellationToken: cancellationToken);
        }
        catch (AnarchoRedisException)
        {
            // A node may be faulty already; the recorded operations say how that goes.
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await RunOneAsync();
        }
    }

    private string Unique() => $"p{_settings.Process}c{_client}#{++_seq}";

    private int ListId()
    {
        var generation = (int)(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - _settings.StartMillis) / (long)_settings.ListGeneration.TotalMilliseconds);
        return generation * _settings.Keys + _random.Next(_settings.Keys);
    }

    private async Task RunOneAsync()
    {
        var roll = _random.Next(100);
        if (_settings.Mix == "registers")
        {
            // Half writes, half reads, registers only: what "operations succeed" means with one node faulty.
            roll = roll < 50 ? 40 : 75;
        }

        if (roll < 35)
        {
            var id = ListId();
            var element = Unique();
            var left = _random.Next(2) == 0;
            await RecordAsync(OpFunction.Append, ElementListRepository.FormatKey(id), element, left ? "L" : "R", async ct =>
            {
                var item = new Element { Id = id, Value = element };
                var result = left ? await _lists.PushLeftAsync(id, item, cancellationToken: ct) : await _lists.PushRightAsync(id, item, cancellationToken: ct);
                return Done(version: result.Version);
            });
        }
        else if (roll < 60)
        {
            var id = _random.Next(_settings.Keys);
            var value = Unique();
            await RecordAsync(OpFunction.Write, RegisterRepository.FormatKey(id), value, null, async ct =>
                Done(version: (await _registers.SetAsync(new Register { Id = id, Value = value }, cancellationToken: ct)).Version));
        }
        else if (roll < 65)
        {
            var id = _random.Next(_settings.Keys);
            await RecordAsync(OpFunction.Delete, RegisterRepository.FormatKey(id), null, null, async ct =>
                Done(version: (await _registers.DeleteAsync(id, cancellationToken: ct)).Version));
        }
        else if (roll < 85)
        {
            var id = _random.Next(_settings.Keys);
            await RecordAsync(OpFunction.Read, RegisterRepository.FormatKey(id), null, null, async ct =>
            {
                var read = await _registers.GetVersionedAsync(id, cancellationToken: ct);
                return read is { } r ? Done(version: r.Version, value: r.Value.Value) : Done();
            });
        }
        else
        {
            var id = ListId();
            await RecordAsync(OpFunction.ReadList, ElementListRepository.FormatKey(id), null, null, async ct =>
            {
                var items = await _lists.RangeAsync(id, cancellationToken: ct);
                return Done(elements: items.Select(i => i.Value).ToArray());
            });
        }
    }

    private static OpEvent Done(ReplicatedVersion? version = null, string? value = null, string[]? elements = null) =>
        new() { Version = version?.ToString(), Value = value, Elements = elements };

    private async Task RecordAsync(OpFunction f, string key, string? input, string? side, Func<CancellationToken, Task<OpEvent>> operation)
    {
        var id = Interlocked.Increment(ref _seq);
        var invoke = new OpEvent { Id = id, Process = _settings.Process, Client = _client, Type = OpType.Invoke, F = f, Key = key, Value = input, Side = side, Time = HistoryFile.Now() };
        _history.Append(invoke);
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
        catch (Exception e)
        {
            // Timeouts, cancellations, indeterminate quorum failures and anything unexpected: it may have applied.
            completion = new OpEvent { Type = OpType.Info, Error = Short(e) };
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
