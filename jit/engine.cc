#include "jit/engine.h"

#include <set>

#include "jit/initializer_lowering.h"
#include "jit/offered_symbols.h"
#include "jit/upload_error.h"
#include "jit/upload_reader.h"
#include "llvm/ExecutionEngine/JITLink/EHFrameSupport.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h"

namespace ru {

llvm::Expected<std::unique_ptr<Engine>> Engine::Create(
    const std::map<std::string, void*>& host_symbols, CodeMap* code_map) {
  std::unique_ptr<Engine> engine(new Engine());
  Engine* raw = engine.get();
  code_map->SetTagResolver([raw](const llvm::orc::JITDylib& dylib) {
    std::lock_guard<std::mutex> lock(raw->tags_mutex_);
    auto it = raw->tags_.find(&dylib);
    return it == raw->tags_.end() ? 0 : it->second;
  });

  // JITLink, with unwind information registered (so that C++ exceptions
  // work inside uploads and can be caught when they escape) and every
  // module's place recorded in the code map.
  auto create_linking_layer = [code_map](llvm::orc::ExecutionSession& session,
                                         const llvm::Triple&)
      -> llvm::Expected<std::unique_ptr<llvm::orc::ObjectLayer>> {
    auto layer = std::make_unique<llvm::orc::ObjectLinkingLayer>(session);
    layer->addPlugin(std::make_shared<llvm::orc::EHFrameRegistrationPlugin>(
        session, std::make_unique<llvm::jitlink::InProcessEHFrameRegistrar>()));
    layer->addPlugin(MakeCodeMapPlugin(code_map));
    return std::move(layer);
  };

  auto builder_or_err = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder_or_err) return builder_or_err.takeError();

  // Uploaded code must not see every symbol of the process (system and
  // exit among them). ORC's platform support wants a dylib of process
  // symbols for its own helpers; it gets one that finds only offered names,
  // and uploads link against the host dylib alone.
  std::set<std::string> offered_names;
  for (const auto& entry : host_symbols) offered_names.insert(entry.first);
  auto setup_process_symbols =
      [offered_names](
          llvm::orc::LLJIT& jit) -> llvm::Expected<llvm::orc::JITDylibSP> {
    auto& dylib = jit.getExecutionSession().createBareJITDylib("process");
    auto generator =
        llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
            jit.getDataLayout().getGlobalPrefix(),
            [offered_names](const llvm::orc::SymbolStringPtr& name) {
              return offered_names.count((*name).str()) > 0;
            });
    if (!generator) return generator.takeError();
    dylib.addGenerator(std::move(*generator));
    return &dylib;
  };
  auto jit_or_err =
      llvm::orc::LLJITBuilder()
          .setJITTargetMachineBuilder(std::move(*builder_or_err))
          .setLinkProcessSymbolsByDefault(false)
          .setProcessSymbolsJITDylibSetup(std::move(setup_process_symbols))
          .setObjectLinkingLayerCreator(std::move(create_linking_layer))
          // Initializers are the runtime's business (initializer_lowering.h).
          .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
          .create();
  if (!jit_or_err) return jit_or_err.takeError();
  engine->jit_ = std::move(*jit_or_err);

  engine->jit_->getExecutionSession().setErrorReporter(
      [raw](llvm::Error error) {
        std::string text = llvm::toString(std::move(error));
        std::lock_guard<std::mutex> lock(raw->reported_mutex_);
        raw->reported_ = std::move(text);
      });

  auto stubs_builder = llvm::orc::createLocalIndirectStubsManagerBuilder(
      engine->jit_->getTargetTriple());
  if (!stubs_builder) {
    return llvm::make_error<llvm::StringError>(
        "no indirect stubs for this target", llvm::inconvertibleErrorCode());
  }
  engine->stubs_ = stubs_builder();

  auto host_or_err = engine->jit_->getExecutionSession().createJITDylib("host");
  if (!host_or_err) return host_or_err.takeError();
  engine->host_ = &*host_or_err;
  llvm::orc::SymbolMap symbols;
  for (const auto& [name, address] : host_symbols) {
    symbols[engine->jit_->mangleAndIntern(name)] = llvm::orc::ExecutorSymbolDef(
        llvm::orc::ExecutorAddr::fromPtr(address),
        llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  }
  if (auto error = engine->host_->define(llvm::orc::absoluteSymbols(symbols))) {
    return std::move(error);
  }
  auto library_or_err =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          engine->jit_->getDataLayout().getGlobalPrefix(),
          [](const llvm::orc::SymbolStringPtr& name) {
            return IsOfferedLibraryPattern((*name).str());
          });
  if (!library_or_err) return library_or_err.takeError();
  engine->host_->addGenerator(std::move(*library_or_err));
  return std::move(engine);
}

Engine::~Engine() {
  if (jit_ == nullptr) return;
  if (auto error = jit_->getExecutionSession().endSession()) {
    llvm::consumeError(std::move(error));
  }
}

llvm::Expected<void*> Engine::AddStub(const std::string& name, void* initial) {
  if (auto error = stubs_->createStub(
          name, llvm::orc::ExecutorAddr::fromPtr(initial),
          llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable)) {
    return std::move(error);
  }
  llvm::orc::ExecutorSymbolDef stub = stubs_->findStub(name, true);
  llvm::orc::SymbolMap symbols;
  symbols[jit_->mangleAndIntern(name)] = stub;
  if (auto error = host_->define(llvm::orc::absoluteSymbols(symbols))) {
    return std::move(error);
  }
  return stub.getAddress().toPtr<void*>();
}

llvm::Error Engine::Retarget(const std::string& name, void* target) {
  return stubs_->updatePointer(name, llvm::orc::ExecutorAddr::fromPtr(target));
}

llvm::Expected<LoadedCode> Engine::Load(const CompiledObject& object,
                                        const std::string& symbol,
                                        uint64_t tag) {
  LoadedCode code;
  auto dylib_or_err =
      jit_->createJITDylib("upload." + std::to_string(next_dylib_++));
  if (!dylib_or_err) return dylib_or_err.takeError();
  code.dylib = &*dylib_or_err;
  code.dylib->addToLinkOrder(*host_);
  {
    std::lock_guard<std::mutex> lock(tags_mutex_);
    tags_[code.dylib] = tag;
  }
  {
    std::lock_guard<std::mutex> lock(reported_mutex_);
    reported_.clear();
  }
  auto fail = [&](llvm::Error error) -> llvm::Error {
    std::string reason = llvm::toString(std::move(error));
    {
      std::lock_guard<std::mutex> lock(reported_mutex_);
      if (!reported_.empty()) reason = reported_;
    }
    if (auto removed =
            jit_->getExecutionSession().removeJITDylib(*code.dylib)) {
      llvm::consumeError(std::move(removed));
    }
    std::lock_guard<std::mutex> lock(tags_mutex_);
    tags_.erase(code.dylib);
    return UnprocessableError("the module failed to link: " +
                              SanitizeForClient(reason));
  };

  if (auto error = jit_->addObjectFile(
          *code.dylib, llvm::MemoryBuffer::getMemBufferCopy(
                           object.object, "upload." + symbol))) {
    return fail(std::move(error));
  }
  auto address_or_err = jit_->lookup(*code.dylib, symbol);
  if (!address_or_err) return fail(address_or_err.takeError());
  code.address = address_or_err->toPtr<void*>();
  if (object.init) {
    auto init_or_err = jit_->lookup(*code.dylib, kModuleInit);
    if (!init_or_err) return fail(init_or_err.takeError());
    code.init = init_or_err->toPtr<void (*)()>();
    auto handle_or_err = jit_->lookup(*code.dylib, kDsoHandle);
    if (!handle_or_err) return fail(handle_or_err.takeError());
    code.dso_handle = handle_or_err->toPtr<void*>();
  }
  if (object.fini) {
    auto fini_or_err = jit_->lookup(*code.dylib, kModuleFini);
    if (!fini_or_err) return fail(fini_or_err.takeError());
    code.fini = fini_or_err->toPtr<void (*)()>();
  }
  return code;
}

llvm::Error Engine::Unload(const LoadedCode& code) {
  llvm::Error error = jit_->getExecutionSession().removeJITDylib(*code.dylib);
  std::lock_guard<std::mutex> lock(tags_mutex_);
  tags_.erase(code.dylib);
  return error;
}

}  // namespace ru
