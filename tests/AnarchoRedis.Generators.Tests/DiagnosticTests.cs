using System;
using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Generators.Diagnostics;
using AnarchoRedis.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AnarchoRedis.Generators.Tests;

/// <summary>Each rule: the exact id and the exact span, marked in the source with <c>[|...|]</c>.</summary>
public sealed class DiagnosticTests
{
    private const string Usings = "using System;\nusing AnarchoRedis;\nnamespace Samples.Models;\n";

    [Theory]
    [InlineData("[ReplicatedKey([|\"\"|])] public class User { public int Id { get; set; } }")]
    [InlineData("[ReplicatedKey([|\"   \"|])] public class User { public int Id { get; set; } }")]
    [InlineData("[ReplicatedKey([|null|])] public class User { public int Id { get; set; } }")]
    [InlineData("[ReplicatedList([|keyTemplate: \"\"|])] public class Message { }")]
    public void ANR001_EmptyTemplate(string source) => AssertOnly("ANR001", source);

    [Theory]
    [InlineData("user:{Id")]
    [InlineData("user:Id}")]
    [InlineData("user:{{Id}}")]
    [InlineData("user:{Id{Name}}")]
    [InlineData("user:{}")]
    [InlineData("user:{ Id }")]
    [InlineData("{user}:{Id}")]
    public void ANR002_MalformedTemplate(string template)
    {
        var id = template == "{user}:{Id}" ? "ANR003" : "ANR002"; // a well-formed placeholder naming nothing is ANR003
        AssertOnly(id, "[ReplicatedKey([|\"" + template + "\"|])] public class User { public int Id { get; set; } public string Name { get; set; } = \"\"; }");
    }

    [Theory]
    [InlineData("public int Other { get; set; }")]
    [InlineData("public static int Id { get; set; }")]
    [InlineData("internal int Id { get; set; }")]
    [InlineData("public int Id { private get; set; }")]
    [InlineData("public int Id;")]
    public void ANR003_PlaceholderIsNotAPublicReadableProperty(string member) =>
        AssertOnly("ANR003", "[ReplicatedKey([|\"user:{Id}\"|])] public class User { " + member + " }");

    [Fact]
    public void ANR003_InheritedPropertyIsFound() =>
        AssertOnly(null, "public class Entity { public int Id { get; set; } } [ReplicatedKey(\"user:{Id}\")] public class User : Entity { }");

    [Theory]
    [InlineData("DateTime")]
    [InlineData("bool")]
    [InlineData("int?")]
    [InlineData("Guid?")]
    [InlineData("double")]
    [InlineData("char")]
    [InlineData("object")]
    public void ANR004_UnsupportedPlaceholderType(string type) =>
        AssertOnly("ANR004", "[ReplicatedKey([|\"user:{Id}\"|])] public class User { public " + type + " Id { get; set; } }");

    [Fact]
    public void ANR004_ListPropertyOfUnsupportedType() =>
        AssertOnly("ANR004", "[ReplicatedList([|\"log:{At}\"|])] public class Entry { public DateTime At { get; set; } }");

    [Fact]
    public void ANR005_PropertyUsedTwice() =>
        AssertOnly("ANR005", "[ReplicatedKey([|\"user:{Id}:{Id}\"|])] public class User { public int Id { get; set; } }");

    [Fact]
    public void ANR006_OverlappingTemplatesAreReportedOnBothTypes() =>
        AssertOnly("ANR006", """
            [ReplicatedKey([|"user:{Id}"|])] public class User { public int Id { get; set; } }
            [ReplicatedList([|"user:{Name}"|])] public class Note { public string Name { get; set; } = ""; }
            [ReplicatedKey("profile:{Id}")] public class Profile { public int Id { get; set; } }
            """);

    [Fact]
    public void ANR006_MessageCarriesAnExampleKey()
    {
        var (result, _) = GeneratorHarness.Run(Usings + """
            [ReplicatedKey("user:{Id}")] public class User { public long Id { get; set; } }
            [ReplicatedKey("user:-{Id}")] public class Negative { public uint Id { get; set; } }
            """);
        Assert.All(result.Diagnostics, d => Assert.Contains("\"user:-0\"", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal));
        Assert.Equal(2, result.Diagnostics.Length);
    }

    [Theory]
    [InlineData("public class Outer { [ReplicatedKey(\"user:{Id}\")] public class [|User|] { public int Id { get; set; } } }")]
    [InlineData("[ReplicatedKey(\"user:{Id}\")] file class [|User|] { public int Id { get; set; } }")]
    public void ANR007_NestedOrFileLocalType(string source) => AssertOnly("ANR007", source);

    [Fact]
    public void ANR008_GenericType() =>
        AssertOnly("ANR008", "[ReplicatedKey(\"user:{Id}\")] public class [|User|]<T> { public int Id { get; set; } }");

    [Theory]
    [InlineData("public abstract class [|User|] { public int Id { get; set; } }")]
    [InlineData("public static class [|User|] { public static int Id { get; set; } }")]
    [InlineData("public struct [|User|] { public int Id { get; set; } }")]
    [InlineData("public record struct [|User|](int Id);")]
    [InlineData("public interface [|User|] { int Id { get; } }")]
    public void ANR009_NotAConcreteClass(string declaration) =>
        AssertOnly("ANR009", "[ReplicatedKey(\"user:{Id}\")] " + declaration, ignoreIds: "ANR003");

    [Fact]
    public void ANR010_DuplicateRegistryName() =>
        AssertOnly("ANR010", """
            [ReplicatedKey("a:{Id}", [|Name = "thing"|])] public class A { public int Id { get; set; } }
            [ReplicatedKey("b:{Id}", [|Name = "thing"|])] public class B { public int Id { get; set; } }
            """);

    [Fact]
    public void ANR010_ExplicitNameEqualToAnotherTypesDefault() =>
        AssertOnly("ANR010", """
            [ReplicatedKey("a:{Id}", [|Name = "Samples.Models.B"|])] public class A { public int Id { get; set; } }
            [ReplicatedKey("b:{Id}")] public class [|B|] { public int Id { get; set; } }
            """);

    [Fact]
    public void ANR011_EmptyName() =>
        AssertOnly("ANR011", "[ReplicatedKey(\"user:{Id}\", [|Name = \" \"|])] public class User { public int Id { get; set; } }");

    [Fact]
    public void ANR012_NegativeTimeToLive() =>
        AssertOnly("ANR012", "[ReplicatedList(\"log\", [|TimeToLiveSeconds = -1|])] public class Entry { }");

    [Fact]
    public void ANR018_NegativeMaxLength() =>
        AssertOnly("ANR018", "[ReplicatedList(\"log\", [|MaxLength = -1|])] public class Entry { }");

    [Fact]
    public void ANR013_RepositoryNameTaken() =>
        AssertOnly("ANR013", "[ReplicatedKey(\"user:{Id}\")] public class [|User|] { public int Id { get; set; } } public class UserRepository { }");

    [Fact]
    public void ANR013_RepositoryInterfaceNameTaken() =>
        AssertOnly("ANR013", "[ReplicatedKey(\"user:{Id}\")] public class [|User|] { public int Id { get; set; } } public partial class IUserRepository { }");

    [Fact]
    public void ANR013_PartialExtensionIsWelcome() =>
        AssertOnly(null, "[ReplicatedKey(\"user:{Id}\")] public class User { public int Id { get; set; } } public sealed partial class UserRepository { } public partial interface IUserRepository { }");

    [Fact]
    public void ANR013_ListRepositoryNameTaken() =>
        AssertOnly("ANR013", "[ReplicatedList(\"chat:{RoomId}\")] public class [|ChatMessage|] { } public class ChatMessageListRepository { }");

    [Fact]
    public void ANR013_ListRepositoryInterfaceNameTaken() =>
        AssertOnly("ANR013", "[ReplicatedList(\"chat:{RoomId}\")] public class [|ChatMessage|] { } public partial class IChatMessageListRepository { }");

    [Fact]
    public void ANR013_ListPartialExtensionIsWelcome() =>
        AssertOnly(null, "[ReplicatedList(\"chat:{RoomId}\")] public class ChatMessage { } public sealed partial class ChatMessageListRepository { } public partial interface IChatMessageListRepository { }");

    [Fact]
    public void ANR013_ValueRepositoryNameDoesNotConcernTheListRepository()
    {
        // UserRepository is taken, which blocks User's value repository only; IUserListRepository is still generated.
        var (source, spans) = Markup.Parse(Usings + "[ReplicatedKey(\"user:{Id}\")] [ReplicatedList(\"user-log:{Id}\")] public class [|User|] { public int Id { get; set; } } public class UserRepository { }");
        var (result, output) = GeneratorHarness.Run(source);
        AssertDiagnostics("ANR013", result, spans);
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("Samples.Models.User.ListRepository.g.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.EndsWith("Samples.Models.User.Repository.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void ANR014_UnknownConsistency() =>
        AssertOnly("ANR014", "[ReplicatedKey(\"user:{Id}\", [|WriteConsistency = (Consistency)7|])] public class User { public int Id { get; set; } }");

    [Fact]
    public void ANR015_RuntimeNotReferenced()
    {
        var (source, spans) = Markup.Parse(Usings + "[ReplicatedKey(\"user:{Id}\")] public class [|User|] { public int Id { get; set; } }");
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(new[] { source }, withRuntime: false));
        AssertDiagnostics("ANR015", result, spans);
        Assert.Empty(result.GeneratedTrees);
    }

    [Theory]
    [InlineData("namespace Samples.Models { public static class ReplicatedTypes { } }")]
    [InlineData("public sealed class Samples { }")]
    public void ANR016_CatalogNameTaken(string clash)
    {
        var (source, spans) = Markup.Parse(
            "using AnarchoRedis;\nnamespace Samples.Models { [ReplicatedKey(\"user:{Id}\")] public class [|User|] { public int Id { get; set; } } }\n" + clash);
        var (result, _) = GeneratorHarness.Run(source);
        AssertDiagnostics("ANR016", result, spans);
        Assert.Empty(result.GeneratedTrees);
    }

    [Fact]
    public void ANR017_RepositoryNamesCollide()
    {
        var (source, spans) = Markup.Parse(Usings + """
            [ReplicatedKey("user:{Id}")] public class [|User|] { public int Id { get; set; } }
            [ReplicatedKey("iuser:{Id}")] public class [|IUser|] { public int Id { get; set; } }
            [ReplicatedKey("fine:{Id}")] public class Fine { public int Id { get; set; } }
            """);
        var (result, output) = GeneratorHarness.Run(source);
        AssertDiagnostics("ANR017", result, spans);

        // The colliding repositories are not generated, so the only errors are ours; the rest still compiles.
        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(Snapshot.Describe));
        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.Contains("User.Repository", StringComparison.Ordinal));
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("Samples.Models.Fine.Repository.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void ANR017_ListAndValueRepositoryNamesCollide()
    {
        // The value type ChatList and the list type Chat both want IChatListRepository and ChatListRepository:
        // one error per type, neither repository is generated, and Room's two repositories still are.
        var (source, spans) = Markup.Parse(Usings + """
            [ReplicatedList("chat:{RoomId}")] public class [|Chat|] { public int RoomId { get; set; } }
            [ReplicatedKey("chat-list:{Id}")] public class [|ChatList|] { public int Id { get; set; } }
            [ReplicatedKey("room:{Id}", Name = "room")] [ReplicatedList("room-log:{Id}", Name = "room-log")] public class Room { public int Id { get; set; } }
            """);
        var (result, output) = GeneratorHarness.Run(source);
        AssertDiagnostics("ANR017", result, spans);
        Assert.Equal(
            new[]
            {
                "The repositories generated for 'Samples.Models.Chat (list)' and 'Samples.Models.ChatList' would both declare 'Samples.Models.IChatListRepository'; rename one of the types",
                "The repositories generated for 'Samples.Models.ChatList' and 'Samples.Models.Chat (list)' would both declare 'Samples.Models.IChatListRepository'; rename one of the types",
            },
            GeneratorHarness.GeneratorDiagnostics(result).Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Empty(GeneratorHarness.CompilationProblems(output).Select(Snapshot.Describe));
        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.Contains(".Chat.", StringComparison.Ordinal) || t.FilePath.Contains(".ChatList.", StringComparison.Ordinal));
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("Samples.Models.Room.Repository.g.cs", StringComparison.Ordinal));
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("Samples.Models.Room.ListRepository.g.cs", StringComparison.Ordinal));
        var di = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("ServiceCollectionExtensions.g.cs", StringComparison.Ordinal)).ToString();
        Assert.DoesNotContain("IChatListRepository", di, StringComparison.Ordinal);
        Assert.Contains("IRoomListRepository", di, StringComparison.Ordinal);
    }

    [Fact]
    public void AttributeRepeatedOnPartialDeclarationsLeavesItToTheCompiler()
    {
        var (result, output) = GeneratorHarness.Run(
            Usings + "[ReplicatedKey(\"user:{Id}\")] public partial class User { public int Id { get; set; } }",
            Usings + "[ReplicatedKey(\"user:{Id}\")] public partial class User { }");

        Assert.Empty(result.Diagnostics.Select(Snapshot.Describe)); // in particular no CS8785 generator crash
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "CS0579");
    }

    [Fact]
    public void EveryDescriptorIsAnErrorInTheAnarchoRedisCategory() =>
        Assert.All(DiagnosticDescriptors.All, d =>
        {
            Assert.Equal(DiagnosticSeverity.Error, d.DefaultSeverity);
            Assert.Equal("AnarchoRedis", d.Category);
            Assert.Matches("^ANR0[0-9]{2}$", d.Id);
        });

    private static void AssertOnly(string? id, string body, string? ignoreIds = null)
    {
        var (source, spans) = Markup.Parse(Usings + body);
        var (result, _) = GeneratorHarness.Run(source);
        AssertDiagnostics(id, result, spans, ignoreIds);
    }

    private static void AssertDiagnostics(string? id, GeneratorDriverRunResult result, IReadOnlyList<TextSpan> spans, string? ignoreIds = null)
    {
        var diagnostics = GeneratorHarness.GeneratorDiagnostics(result).Where(d => d.Id != ignoreIds).ToList();
        if (id is null)
        {
            Assert.Empty(diagnostics.Select(Snapshot.Describe));
            return;
        }

        Assert.All(diagnostics, d => Assert.Equal(id, d.Id));
        Assert.Equal(spans.OrderBy(s => s.Start), diagnostics.Select(d => d.Location.SourceSpan));
        // Diagnostics are rebuilt from plain data, so they carry a path and spans rather than a syntax tree.
        Assert.All(diagnostics, d => Assert.Equal("Model0.cs", d.Location.GetLineSpan().Path));
    }
}

/// <summary>Strips <c>[|</c>/<c>|]</c> markers from source and returns the spans they enclosed.</summary>
internal static class Markup
{
    public static (string Source, IReadOnlyList<TextSpan> Spans) Parse(string markup)
    {
        var spans = new List<TextSpan>();
        var builder = new System.Text.StringBuilder();
        var start = -1;
        for (var i = 0; i < markup.Length; i++)
        {
            if (markup.AsSpan(i).StartsWith("[|", StringComparison.Ordinal))
            {
                start = builder.Length;
                i++;
            }
            else if (markup.AsSpan(i).StartsWith("|]", StringComparison.Ordinal))
            {
                spans.Add(TextSpan.FromBounds(start, builder.Length));
                i++;
            }
            else
            {
                builder.Append(markup[i]);
            }
        }

        return (builder.ToString(), spans);
    }
}
