using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace AnarchoRedis.Jepsen.History;

/// <summary>Writes a history as JSON lines (one event a line, flushed as written) and reads histories back as operations.</summary>
public sealed class HistoryFile : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly StreamWriter _writer;
    private readonly object _gate = new();

    public HistoryFile(string path)
    {
        Path = path;
        // Flushed per line: a worker killed by the orchestrator still leaves every invocation it sent on disk, so an
        // element it appended is never "unexpected".
        _writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
    }

    public string Path { get; }

    public static long Now() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public void Append(OpEvent e)
    {
        var line = JsonSerializer.Serialize(e, Json);
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }

    /// <summary>Reads events from every file and pairs them into operations.</summary>
    public static IReadOnlyList<Operation> ReadOperations(IEnumerable<string> paths) =>
        Pair(paths.SelectMany(ReadEvents));

    public static IEnumerable<OpEvent> ReadEvents(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            OpEvent? e;
            try
            {
                e = JsonSerializer.Deserialize<OpEvent>(line, Json);
            }
            catch (JsonException)
            {
                // A line cut short by a killed process: its operation stays without completion (indeterminate).
                continue;
            }

            if (e is not null)
            {
                yield return e;
            }
        }
    }

    /// <summary>Pairs each invocation with its completion (same process and id).</summary>
    public static IReadOnlyList<Operation> Pair(IEnumerable<OpEvent> events)
    {
        var invokes = new Dictionary<(int, int, long), OpEvent>();
        var completions = new Dictionary<(int, int, long), OpEvent>();
        foreach (var e in events)
        {
            (e.Type == OpType.Invoke ? invokes : completions)[(e.Process, e.Client, e.Id)] = e;
        }

        var result = new List<Operation>(invokes.Count);
        foreach (var (id, invoke) in invokes)
        {
            completions.TryGetValue(id, out var done);
            var isRead = invoke.F is OpFunction.Read or OpFunction.ReadList or OpFunction.QueuePop;
            result.Add(new Operation
            {
                Id = invoke.Id,
                Process = invoke.Process,
                Client = invoke.Client,
                F = invoke.F,
                Key = invoke.Key,
                Input = invoke.Value,
                Side = invoke.Side,
                Outcome = done?.Type ?? OpType.Info,
                InvokeTime = invoke.Time,
                CompleteTime = done?.Time,
                Version = done?.Version is { } v ? ReplicatedVersion.Parse(v) : null,
                ReadValue = isRead ? done?.Value : null,
                ReadElements = done?.Elements,
                Error = done?.Error,
                TtlMs = invoke.TtlMs,
                ExpiryMin = done?.ExpiryMin,
                ExpiryMax = done?.ExpiryMax,
                Count = done?.Count,
            });
        }

        result.Sort((a, b) => a.InvokeTime.CompareTo(b.InvokeTime));
        return result;
    }
}
