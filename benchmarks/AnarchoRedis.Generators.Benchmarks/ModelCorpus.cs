using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AnarchoRedis.Generators.Benchmarks;

/// <summary>One source file of the benchmark project.</summary>
/// <param name="Path">The file path given to the syntax tree (hint for readers of diagnostics).</param>
/// <param name="Text">The C# source.</param>
internal sealed record SourceFile(string Path, string Text);

/// <summary>
/// A model project as users write one: annotated types ten to a file, several namespaces, about 70% <c>[ReplicatedKey]</c>
/// and 30% <c>[ReplicatedList]</c>, four to six properties each, key templates with one to three placeholders of
/// every supported kind, some attribute settings, plus hand-written code with no attributes (services) beside them.
/// </summary>
/// <remarks>
/// Every template starts with a literal unique to its type ("order0007:…", "tenant:{TenantId}:customer0012:…"), so the
/// project is clean: no overlapping keys, no diagnostics (the benchmark checks this). Type numbers are zero-padded
/// to four digits, so no type's literal is a prefix of another's.
/// </remarks>
internal static class ModelCorpus
{
    /// <summary>Annotated types per model file.</summary>
    public const int TypesPerFile = 10;

    /// <summary>Model files per namespace.</summary>
    public const int FilesPerNamespace = 5;

    /// <summary>The unrelated file's path; its method body is what the unrelated-edit benchmark edits.</summary>
    public const string UnrelatedPath = "Services/Clock.cs";

    /// <summary>The literal the unrelated edit replaces (inside a method body of a class with no attributes).</summary>
    public const string UnrelatedLiteral = "return 42;";

    /// <summary>The path of the model file whose first type's template the one-model benchmark edits.</summary>
    public const string EditedModelPath = "Models/Module00/Models0000.cs";

    /// <summary>The template the one-model benchmark edits: the first type of the first file, a value type.</summary>
    public const string EditedTemplate = "\"order0000:{Id}\"";

    private static readonly string[] ValueNouns = { "order", "customer", "invoice", "product", "account", "shipment", "session" };

    /// <summary>The sources of a project with <paramref name="typeCount"/> annotated types (a multiple of ten) and its hand-written services.</summary>
    public static IReadOnlyList<SourceFile> Create(int typeCount)
    {
        if (typeCount <= 0 || typeCount % TypesPerFile != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(typeCount), typeCount, "A positive multiple of " + TypesPerFile + ".");
        }

        var files = new List<SourceFile>();
        for (var file = 0; file < typeCount / TypesPerFile; file++)
        {
            files.Add(ModelFile(file));
        }

        // Code with no attributes: the part of the project a user edits most of the time.
        files.Add(new SourceFile(UnrelatedPath, """
            namespace Bench.Services;

            /// <summary>A hand-written class with no attributes; the unrelated edit changes its method body.</summary>
            public static class Clock
            {
                public static int Ticks()
                {
                    return 42;
                }
            }
            """));
        for (var i = 0; i < 4; i++)
        {
            files.Add(new SourceFile(Invariant($"Services/Service{i}.cs"), Invariant($$"""
                using System.Collections.Generic;
                using System.Linq;

                namespace Bench.Services;

                public sealed class Service{{i}}
                {
                    private readonly List<int> _values = new();

                    public void Add(int value) => _values.Add(value * Clock.Ticks());

                    public int Sum() => _values.Where(v => v > {{i}}).Sum();

                    public override string ToString() => "Service{{i}}: " + _values.Count;
                }
                """)));
        }

        return files;
    }

    private static SourceFile ModelFile(int file)
    {
        var module = Invariant($"Module{file / FilesPerNamespace:00}");
        var text = new StringBuilder();
        text.Append(Invariant($$"""
            using System;
            using AnarchoRedis;

            namespace Bench.Models.{{module}};

            public enum Status{{file:0000}} { Open, Active, Closed }

            """));
        for (var slot = 0; slot < TypesPerFile; slot++)
        {
            var index = (file * TypesPerFile) + slot;
            text.AppendLine();
            text.Append(slot < 7 ? ValueType(index, file, slot) : ListType(index, slot));
        }

        return new SourceFile(Invariant($"Models/{module}/Models{file:0000}.cs"), text.ToString());
    }

    // Seven value shapes per file, one of each: placeholders of every kind, records, settings, non-key properties.
    private static string ValueType(int index, int file, int slot)
    {
        var name = Invariant($"{char.ToUpperInvariant(ValueNouns[slot][0])}{ValueNouns[slot].Substring(1)}{index:0000}");
        var prefix = Invariant($"{ValueNouns[slot]}{index:0000}");
        return slot switch
        {
            0 => Invariant($$"""
                [ReplicatedKey("{{prefix}}:{Id}")]
                public sealed class {{name}}
                {
                    public int Id { get; set; }

                    public string Name { get; set; } = "";

                    public decimal Total { get; set; }

                    public DateTime CreatedAt { get; set; }
                }

                """),
            1 => Invariant($$"""
                [ReplicatedKey("tenant:{TenantId}:{{prefix}}:{Id}", ReadConsistency = Consistency.Quorum, WriteConsistency = Consistency.Quorum)]
                public sealed class {{name}}
                {
                    public string TenantId { get; set; } = "";

                    public long Id { get; set; }

                    public string Email { get; set; } = "";

                    public bool Active { get; set; }

                    public int Visits { get; set; }
                }

                """),
            2 => Invariant($$"""
                [ReplicatedKey("{{prefix}}:{Number}:{State}", Name = "{{prefix}}", TimeToLiveSeconds = 3600)]
                public sealed class {{name}}
                {
                    public Guid Number { get; set; }

                    public Status{{file:0000}} State { get; set; }

                    public decimal Amount { get; set; }

                    public string Currency { get; set; } = "EUR";
                }

                """),
            3 => Invariant($$"""
                [ReplicatedKey("{{prefix}}:{Sku}")]
                public sealed record class {{name}}(string Sku, string Title, int Stock, decimal Price);

                """),
            4 => Invariant($$"""
                [ReplicatedKey("{{prefix}}:{Region}/{Number}", WriteConsistency = Consistency.All)]
                public class {{name}}
                {
                    public ushort Region { get; set; }

                    public ulong Number { get; set; }

                    public string Holder { get; set; } = "";

                    public long Balance { get; set; }
                }

                """),
            5 => Invariant($$"""
                [ReplicatedKey("{{prefix}}:{TrackingId}")]
                public sealed class {{name}}
                {
                    public Guid TrackingId { get; init; }

                    public string Carrier { get; init; } = "";

                    public DateTimeOffset? DeliveredAt { get; set; }

                    public Status{{file:0000}} State { get; set; }
                }

                """),
            _ => Invariant($$"""
                [ReplicatedKey("{{prefix}}:{UserId}:{Device}", TimeToLiveSeconds = 1800, ReadConsistency = Consistency.One)]
                internal sealed class {{name}}
                {
                    public int UserId { get; set; }

                    public string Device { get; set; } = "";

                    public DateTime LastSeen { get; set; }

                    public byte[] Token { get; set; } = Array.Empty<byte>();
                }

                """),
        };
    }

    // Three list shapes per file: a placeholder that is no property (a string part), Guid and long parts, settings.
    private static string ListType(int index, int slot) => slot switch
    {
        7 => Invariant($$"""
            [ReplicatedList("chat{{index:0000}}:{RoomId}:{Channel}", TimeToLiveSeconds = 86400)]
            public sealed class ChatMessage{{index:0000}}
            {
                public int RoomId { get; set; }

                public string Author { get; set; } = "";

                public string Text { get; set; } = "";

                public DateTime SentAt { get; set; }
            }

            """),
        8 => Invariant($$"""
            [ReplicatedList("events{{index:0000}}:{StreamId}", WriteConsistency = Consistency.All)]
            public sealed class Event{{index:0000}}
            {
                public Guid StreamId { get; set; }

                public long Sequence { get; set; }

                public string Kind { get; set; } = "";

                public string Payload { get; set; } = "";
            }

            """),
        _ => Invariant($$"""
            [ReplicatedList("audit{{index:0000}}:{Tenant}:{Day}")]
            public sealed record class AuditEntry{{index:0000}}(string Tenant, int Day, string Action, string Actor);

            """),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
