using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnarchoRedis.Tool.Commands;

/// <summary>Options of <c>anarcho inspect</c>.</summary>
internal sealed class InspectSettings : ToolSettings
{
    [CommandArgument(0, "<KEY>")]
    [Description("The key, as the application names it (user:42), not its meta key.")]
    public string Key { get; set; } = "";
}

/// <summary><c>anarcho inspect &lt;key&gt;</c>: each node's meta and a summary of its data for one key, stale copies highlighted.</summary>
internal sealed class InspectCommand(NodeConnector connector, Output output) : ToolCommand<InspectSettings>(connector, output)
{
    protected override async Task<int> RunAsync(AnarchoRedisClient client, InspectSettings settings, CancellationToken cancellationToken)
    {
        KeyInspection inspection;
        try
        {
            inspection = await client.InspectAsync(settings.Key, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidKeyException ex)
        {
            throw new UsageException(ex.Message);
        }

        var code = inspection.Replicas.Any(r => !r.Reachable) ? ExitCodes.UnreachableOrUsage : inspection.Agree ? ExitCodes.InSync : ExitCodes.Differences;
        if (settings.Json)
        {
            Output.Json(new
            {
                key = inspection.Key,
                metaKey = inspection.MetaKey,
                agree = inspection.Agree,
                newest = inspection.Newest?.ToString(),
                replicas = inspection.Replicas.Select(r => new
                {
                    node = r.Node,
                    reachable = r.Reachable,
                    error = r.Error,
                    stale = inspection.IsStale(r),
                    kind = r.Kind,
                    typeName = r.TypeName,
                    version = r.Version?.ToString(),
                    versionTime = r.Version?.Timestamp,
                    tombstone = r.Tombstone,
                    expiresAt = r.ExpiresAt,
                    dataType = r.DataType,
                    dataLength = r.DataLength,
                    elementTombstones = r.ElementTombstones,
                    dataDigest = r.DataDigest.ToString("x16", CultureInfo.InvariantCulture),
                    problem = r.Problem,
                    meta = r.Meta,
                }).ToArray(),
                exitCode = code,
            });
            return code;
        }

        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(inspection.Key))
            .AddColumns("node", "kind", "version", "deleted", "expires", "data", "size", "removed", "digest", "copy");
        foreach (var r in inspection.Replicas)
        {
            if (!r.Reachable)
            {
                table.AddRow(Markup.Escape(r.Node), "[red]not answering[/]", Markup.Escape(r.Error ?? ""), "", "", "", "", "", "", "[red]unknown[/]");
                continue;
            }

            if (r.Problem is not null)
            {
                table.AddRow(Markup.Escape(r.Node), "[red]unreadable[/]", Markup.Escape(r.Problem), "", "", Markup.Escape(r.DataType), "", "", "", "[red]stale[/]");
                continue;
            }

            var stale = inspection.IsStale(r);
            string Cell(string text) => stale ? $"[red]{Markup.Escape(text)}[/]" : Markup.Escape(text);
            table.AddRow(
                Markup.Escape(r.Node),
                Cell(r.Kind is null ? "(no meta)" : $"{r.Kind.ToString()!.ToLowerInvariant()} {r.TypeName}"),
                Cell(Output.Version(r.Version)),
                Cell(r.Tombstone ? "yes" : "no"),
                Cell(r.ExpiresAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "never"),
                Cell(r.DataType),
                Cell(r.DataLength.ToString(CultureInfo.InvariantCulture) + (r.DataType == "list" ? " elements" : " bytes")),
                Cell(r.ElementTombstones.ToString(CultureInfo.InvariantCulture)),
                Cell(r.DataDigest.ToString("x16", CultureInfo.InvariantCulture)[..8]),
                stale ? "[red]stale[/]" : inspection.Agree ? "[green]same[/]" : "[green]newest[/]");
        }

        Output.Console.Write(table);
        Output.Console.MarkupLine(inspection.Agree ? "[green]every node holds the same copy[/]" : code == ExitCodes.Differences ? "[red]the copies differ[/] (a read repairs the key, a pass repairs every key)" : "[red]not every node answered[/]");
        return code;
    }
}
