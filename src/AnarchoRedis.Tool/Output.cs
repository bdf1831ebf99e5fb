using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace AnarchoRedis.Tool;

/// <summary>Where a command prints: tables and live views on the console, JSON as plain text on standard output.</summary>
internal sealed class Output(IAnsiConsole console, TextWriter json, TextWriter errors)
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private static readonly JsonSerializerOptions OneLine = new(Indented) { WriteIndented = false };

    public IAnsiConsole Console { get; } = console;

    /// <summary>Whether live displays (progress bars, a refreshing table) can be drawn.</summary>
    public bool Interactive => Console.Profile.Capabilities.Interactive;

    public void Json<T>(T document, bool oneLine = false)
    {
        json.WriteLine(JsonSerializer.Serialize(document, oneLine ? OneLine : Indented));
        json.Flush();
    }

    /// <summary>An error: on standard error, so that standard output holds only the JSON or the tables.</summary>
    public void Error(string message)
    {
        errors.WriteLine("anarcho: " + message);
        errors.Flush();
    }

    public static string Milliseconds(TimeSpan? time) => time is { } t ? t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-";

    /// <summary>Anti-entropy problems as JSON objects (a pass's or a comparison's).</summary>
    public static object[] Problems(IEnumerable<AntiEntropyProblem> problems) =>
        problems.Select(p => (object)new { kind = p.Kind, key = p.Key, node = p.Node, message = p.Message }).ToArray();

    public static string Short(string? id) => id is null ? "-" : id.Length > 8 ? id[..8] : id;

    /// <summary>A version as its time (UTC, ms), counter and writer: what an operator can compare by eye.</summary>
    public static string Version(ReplicatedVersion? version) => version is { } v
        ? string.Create(CultureInfo.InvariantCulture, $"{v.Timestamp:yyyy-MM-dd HH:mm:ss.fff}+{v.Counter} w{v.WriterId & 0xFFFF:x4}")
        : "-";
}
