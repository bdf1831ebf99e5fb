using AnarchoRedis.Generators.Emitting;
using AnarchoRedis.Generators.Model;
using AnarchoRedis.Generators.Tests.Infrastructure;
using Xunit;

namespace AnarchoRedis.Generators.Tests;

/// <summary>Emitters fed hand-built specs: shows exactly what each spec field does to the text, with no parser involved.</summary>
public sealed class EmitterSnapshotTests
{
    private static readonly AssemblyInfo Assembly = new("Contoso.Data", HasRuntime: true);

    // Global namespace, internal, a literal that needs C# escaping and XML escaping, a keyword parameter.
    private static readonly ReplicatedTypeSpec Awkward = new(
        ReplicatedTypeKind.Value,
        Namespace: string.Empty,
        TypeName: "Thing",
        FullyQualifiedName: "global::Thing",
        FullName: "Thing",
        IsPublic: false,
        RegistryName: "thing \"v2\"",
        KeyTemplate: "a\\b<&>\"{Class}",
        Parts: new[]
        {
            KeyPart.Literal("a\\b<&>\""),
            new KeyPart(PlaceholderKind.UnsignedInteger, "Class", "uint", "@class", "Class"),
        }.ToEquatableArray(),
        ReadConsistency: 1,
        WriteConsistency: 0,
        TimeToLiveSeconds: 0);

    private static readonly ReplicatedTypeSpec Session = new(
        ReplicatedTypeKind.Value,
        Namespace: "Contoso.Data",
        TypeName: "Session",
        FullyQualifiedName: "global::Contoso.Data.Session",
        FullName: "Contoso.Data.Session",
        IsPublic: true,
        RegistryName: "session",
        KeyTemplate: "{UserName}/{Id}",
        Parts: new[]
        {
            new KeyPart(PlaceholderKind.String, "UserName", "string", "userName", "UserName"),
            KeyPart.Literal("/"),
            new KeyPart(PlaceholderKind.Guid, "Id", "global::System.Guid", "id", "Id"),
        }.ToEquatableArray(),
        ReadConsistency: 0,
        WriteConsistency: 2,
        TimeToLiveSeconds: 600);

    private static readonly ReplicatedTypeSpec Feed = Session with
    {
        Kind = ReplicatedTypeKind.List,
        TypeName = "FeedItem",
        FullyQualifiedName = "global::Contoso.Data.FeedItem",
        FullName = "Contoso.Data.FeedItem",
        RegistryName = "Contoso.Data.FeedItem",
        KeyTemplate = "feed",
        Parts = new[] { KeyPart.Literal("feed") }.ToEquatableArray(),
    };

    [Fact]
    public void RepositoryInGlobalNamespaceWithEscapedLiteral() =>
        Snapshot.VerifySource("Thing.Repository.g", RepositoryEmitter.Emit(Awkward, "global::Contoso.Data.ReplicatedTypes.Thing"));

    [Fact]
    public void RepositoryWithStringAndGuidParts() =>
        Snapshot.VerifySource("Session.Repository.g", RepositoryEmitter.Emit(Session, "global::Contoso.Data.ReplicatedTypes.Session"));

    [Fact]
    public void ListRepositoryWithStringAndGuidParts() =>
        Snapshot.VerifySource("Session.ListRepository.g", ListRepositoryEmitter.Emit(Session with { Kind = ReplicatedTypeKind.List }, "global::Contoso.Data.ReplicatedTypes.SessionList"));

    // No placeholders: every method takes only its own parameters and FormatKey() returns the literal.
    [Fact]
    public void ListRepositoryWithoutKeyParts() =>
        Snapshot.VerifySource("FeedItem.ListRepository.g", ListRepositoryEmitter.Emit(Feed, "global::Contoso.Data.ReplicatedTypes.FeedItem"));

    [Fact]
    public void ListRepositoryInGlobalNamespaceIsInternal() =>
        Snapshot.VerifySource("Thing.ListRepository.g", ListRepositoryEmitter.Emit(Awkward with { Kind = ReplicatedTypeKind.List }, "global::Contoso.Data.ReplicatedTypes.Thing"));

    [Fact]
    public void RegistryAndServiceCollection()
    {
        var model = new RegistryModel(
            Assembly,
            new[] { Awkward, Feed, Session }.ToEquatableArray(),
            new[]
            {
                new DescriptorName(Awkward.FullyQualifiedName, ReplicatedTypeKind.Value, "Thing"),
                new DescriptorName(Feed.FullyQualifiedName, ReplicatedTypeKind.List, "FeedItem"),
                new DescriptorName(Session.FullyQualifiedName, ReplicatedTypeKind.Value, "Session"),
            }.ToEquatableArray(),
            EquatableArray<RepositoryKey>.Empty);
        Snapshot.VerifySource("ReplicatedTypes.g", RegistryEmitter.Emit(model));
        Snapshot.VerifySource("ServiceCollectionExtensions.g", ServiceCollectionEmitter.Emit(model), nameof(RegistryAndServiceCollection) + "Di");
    }

    [Fact]
    public void SourceWriterIndentsBlocksWithLineFeeds()
    {
        var writer = new SourceWriter();
        writer.OpenBlock("namespace A").OpenBlock("class B").WriteLine("int C;").CloseBlock().CloseBlock();
        Assert.Equal("namespace A\n{\n    class B\n    {\n        int C;\n    }\n}\n", writer.ToString());
    }
}
